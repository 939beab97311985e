import { createHash } from 'node:crypto';
import * as os from 'node:os';
import type { CliAgentSpec } from '../agents/cliAgent';
import { readSmallFile } from '../util/smallFile';
import type { RunRequest } from '../agents/provider';
import type { HttpAgentSpec, HttpProviderConfig } from '../http/httpAgents';
import type { AgentKeyFields } from './cacheKey';
import type { CacheRunPlan } from './cachingProvider';

/**
 * What the cache must know about a CLI run: the CLI's version (a new release
 * may answer differently), the model after translation, the permission mode
 * (and whether it is read-only), the allowed tools, and the environment. CLIs
 * read the workspace, so the workspace fingerprint applies.
 */
export function cliRunPlan(spec: CliAgentSpec, request: RunRequest, agentVersion: string | undefined, bypass = false, inputs?: AnswerInputs): CacheRunPlan {
  const mode = request.options.permissionMode || spec.defaultPermissionMode;
  // Read-only is judged from the command line the run really gets, not from what the settings claim.
  const { args } = spec.invocation(request.prompt, request.options);
  return {
    key: {
      agentId: spec.id,
      agentVersion: agentVersion ?? null,
      provider: 'cli',
      endpoint: null,
      model: request.options.model ?? null,
      permissionMode: mode,
      tools: { allowed: [...(request.options.allowedTools ?? [])] },
      systemPrompt: null,
      prompt: request.prompt,
      // The CLIs take no sampling parameters from us: their own defaults apply, which the version pins.
      sampling: {},
      environment: request.options.environment,
      inputs,
      conversation: request.history,
    },
    readOnly: spec.isReadOnly(args),
    readsWorkspace: true,
    bypass,
  };
}

export type AnswerInputs = NonNullable<AgentKeyFields['inputs']>;

/**
 * The values of what a CLI reads besides the prompt and the workspace (see
 * CliAgentSpec.answerInputs), in the environment the agent will get: each
 * variable's value (null when unset) and a hash of each file (null when
 * absent; size and time for files over 1 MB). Files are read without
 * following links or blocking on FIFOs.
 */
export async function cliAnswerInputs(spec: CliAgentSpec, request: RunRequest, home = os.homedir(), baseEnv: NodeJS.ProcessEnv = process.env): Promise<AnswerInputs> {
  const env = { ...baseEnv, ...request.options.environment };
  const wanted = spec.answerInputs(home, env, request.cwd);
  const files: Record<string, string | null> = {};
  await Promise.all(
    wanted.files.map(async (file) => {
      const content = await readSmallFile(file, 1024 * 1024);
      files[file] = content === undefined ? null : Buffer.isBuffer(content) ? createHash('sha256').update(content).digest('hex') : `size:${content.size}:mtime:${content.mtimeMs}`;
    }),
  );
  return { env: Object.fromEntries(wanted.env.map((name) => [name, env[name] ?? null])), files };
}

/**
 * What the cache must know about a model-API run: endpoint, model after
 * translation, system prompt and every sampling parameter with its default
 * made explicit (null = the server's default, which is not 0). Model APIs read
 * no files and run no tools, so they are read-only and need no fingerprint.
 */
export function httpRunPlan(spec: HttpAgentSpec, config: HttpProviderConfig, request: RunRequest, bypass = false): CacheRunPlan {
  return {
    key: {
      agentId: spec.id,
      agentVersion: null,
      provider: spec.id,
      endpoint: config.baseUrl,
      model: config.model,
      permissionMode: null,
      tools: { allowed: [] },
      systemPrompt: config.systemPrompt ?? null,
      prompt: request.prompt,
      sampling: { maxTokens: config.maxTokens, temperature: config.temperature ?? null, topP: null, stop: null },
      conversation: request.history,
      // The bound decides how much of the conversation is sent.
      ...(request.history?.length ? { extra: { maxHistoryTokens: config.maxHistoryTokens ?? 0 } } : {}),
    },
    readOnly: true,
    readsWorkspace: false,
    bypass,
  };
}
