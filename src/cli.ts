// Headless Agent Relay: the same core as the extension, without VS Code.
//   node dist/cli.js run --agent claude [--json] [--cwd DIR] [options] PROMPT...
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentCatalog, type AgentEntry } from './core/agents/catalog';
import { CliAgentProvider } from './core/agents/cliProvider';
import type { AgentEvent, SeqEvent } from './core/agents/events';
import type { AgentProvider, RunRequest } from './core/agents/provider';
import { locateCli } from './core/locate/cliLocator';
import { ModelTranslator } from './core/models/modelNames';
import { createHttpProvider } from './httpProviders';
import { nullLogger, stderrLogger } from './core/log';
import { AgentRun } from './core/run/agentRun';
import { checkPrompt, UserInputError } from './core/run/prompt';
import { parseCliArgs, USAGE, type CliArgs } from './headless/args';
import { defaultStorage, folderWorkspaceId, openHeadlessCache, runCacheCommand } from './headless/cacheCommand';
import { CachingProvider, cliRunPlan, httpRunPlan, type CacheRunPlan, type ResponseCache } from './core/cache';
import { once } from './core/util/once';

const EXIT = { ok: 0, failed: 1, usage: 2, timedOut: 124, cancelled: 130 } as const;

async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (args.command === 'help') {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (args.command === 'cache') return runCacheCommand(args);
  const catalog = new AgentCatalog();
  if (args.command === 'agents') {
    for (const agent of catalog.all()) {
      const row: { id: string; displayName: string; kind: string; ready: boolean; path?: string; foundBy?: string; version?: string; detail: string } = { id: agent.id, displayName: agent.displayName, kind: agent.kind, ready: false, detail: '' };
      if (agent.kind === 'cli') {
        const d = await locateCli(agent.spec, locatorContext(agent.id));
        if (d.found) Object.assign(row, { ready: true, path: d.path, foundBy: d.foundBy, version: await d.version() });
        row.detail = d.found ? `${d.path} (${d.foundBy}) ${row.version ?? ''}`.trim() : 'not found';
      } else if (agent.kind === 'http') {
        row.ready = Boolean(process.env[agent.spec.apiKeyEnv]);
        row.detail = `${agent.spec.defaultBaseUrl}, key from ${agent.spec.apiKeyEnv}${row.ready ? ' (set)' : ' (not set)'}`;
      }
      process.stdout.write(args.json ? `${JSON.stringify(row)}\n` : `${row.id}\t${row.displayName}\t${row.detail}\n`);
    }
    return EXIT.ok;
  }

  const agent = catalog.find(args.agent);
  if (!agent) {
    process.stderr.write(`${catalog.unknownMessage(args.agent)}\n`);
    return EXIT.usage;
  }
  const prompt = args.prompt ?? (process.stdin.isTTY ? '' : await readStdin());
  try {
    checkPrompt(prompt, args.maxPromptKilobytes);
  } catch (err) {
    if (err instanceof UserInputError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }

  const translator = new ModelTranslator();
  const { provider, plan } = createProvider(agent, args, translator);
  const logger = args.verbose ? stderrLogger('debug') : nullLogger;
  // The response cache, keyed on the working folder; a headless run uses the
  // agent's read-only mode by default, so it is cacheable.
  let cache: ResponseCache | undefined;
  let runProvider: AgentProvider = provider;
  if (plan) {
    try {
      cache = (await openHeadlessCache(path.resolve(args.storage ?? defaultStorage()), { createSecret: true, logger })).cache;
      runProvider = new CachingProvider(provider, { cache: cache.workspace(folderWorkspaceId(args.cwd)), describe: (r) => plan(r, args.noCache) });
    } catch (err) {
      process.stderr.write(`agent-relay: running without the response cache: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  const run = new AgentRun(
    runProvider,
    {
      prompt,
      cwd: path.resolve(args.cwd),
      options: { model: translator.translate(agent.id, args.model), permissionMode: args.permissionMode, allowedTools: args.allowedTools },
    },
    { timeoutMs: args.timeoutSeconds * 1000, logger },
  );
  run.onEvent(args.json ? printJson : printHuman);

  // Ctrl-C: stop the agent cleanly first; a second Ctrl-C kills the tree at once.
  let interrupts = 0;
  process.on('SIGINT', () => (++interrupts === 1 ? run.cancel() : run.killNow()));
  process.on('SIGTERM', () => run.killNow());

  const outcome = await run.done;
  (provider as { dispose?(): void }).dispose?.();
  await cache?.close();
  switch (outcome.status) {
    case 'succeeded':
      return EXIT.ok;
    case 'cancelled':
      return EXIT.cancelled;
    case 'timed-out':
      return EXIT.timedOut;
    default:
      return EXIT.failed;
  }
}

type Plan = (request: RunRequest, bypass: boolean) => Promise<CacheRunPlan>;

function createProvider(agent: AgentEntry, args: Extract<CliArgs, { command: 'run' }>, translator: ModelTranslator): { provider: AgentProvider; plan?: Plan } {
  switch (agent.kind) {
    case 'cli': {
      const locate = once(() => locateCli(agent.spec, locatorContext(agent.id, args.agentPath)));
      return {
        provider: new CliAgentProvider(agent.spec, { locate }),
        plan: async (request, bypass) => {
          const d = await locate();
          return cliRunPlan(agent.spec, request, d.found ? await d.version() : undefined, bypass);
        },
      };
    }
    case 'http': {
      const spec = agent.spec;
      const model = translator.translate(spec.id, args.model ?? spec.defaultModel) ?? spec.defaultModel;
      const config = { baseUrl: args.baseUrl ?? spec.defaultBaseUrl, model, maxTokens: args.maxTokens };
      return {
        provider: createHttpProvider(spec.id, config, async () => process.env[spec.apiKeyEnv] || undefined),
        plan: async (request, bypass) => httpRunPlan(spec, config, request, bypass),
      };
    }
    case 'external':
      return { provider: agent.provider };
  }
}


function locatorContext(agentId: string, configuredPath?: string) {
  return {
    platform: process.platform,
    env: process.env,
    home: os.homedir(),
    configuredPath,
    settingKey: `--agent-path (or agentRelay.${agentId}.path in VS Code)`,
  };
}

function printJson(e: SeqEvent): void {
  process.stdout.write(`${JSON.stringify(e)}\n`);
}

let textOpen = false;
function printHuman({ event }: SeqEvent): void {
  const line = (s: string) => {
    if (textOpen) process.stdout.write('\n');
    textOpen = false;
    process.stderr.write(`${s}\n`);
  };
  const e: AgentEvent = event;
  switch (e.type) {
    case 'text':
      process.stdout.write(e.text);
      textOpen = !e.text.endsWith('\n');
      return;
    case 'tool-use':
      return line(`⚙ ${e.name} ${JSON.stringify(e.input)}`);
    case 'tool-result':
      return line(`${e.isError ? '✗' : '↳'} ${e.output.split('\n')[0].slice(0, 200)}`);
    case 'notice':
      return line(`· ${e.message}`);
    case 'error':
      return line(`error: ${e.message}`);
    case 'usage': {
      const parts = [
        e.inputTokens !== undefined && `${e.inputTokens} in`,
        e.outputTokens !== undefined && `${e.outputTokens} out`,
        e.costUsd !== undefined && `$${e.costUsd.toFixed(4)}`,
      ].filter(Boolean);
      if (parts.length) line(`· tokens ${parts.join(', ')}`);
      return;
    }
    case 'cache':
      if (e.status === 'hit') return line(`· from cache (${Math.round(e.ageMs / 1000)} s old${e.savedMs !== undefined ? `, saved ${(e.savedMs / 1000).toFixed(1)} s` : ''})`);
      if (e.status === 'miss' && e.reason && e.reason !== 'not cached yet') return line(`· not from cache: ${e.reason}`);
      return;
    case 'done':
      return line(
        e.outcome.status === 'succeeded'
          ? `✓ done in ${(e.outcome.durationMs / 1000).toFixed(1)} s`
          : `✗ ${e.outcome.status}: ${e.outcome.message ?? ''}`,
      );
    default:
      return;
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`agent-relay: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.failed;
  },
);
