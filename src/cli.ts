// Headless Agent Relay: the same core as the extension, without VS Code.
//   node dist/cli.js run --agent claude [--json] [--cwd DIR] [options] PROMPT...
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentEvent, SeqEvent } from './core/agents/events';
import type { ResponseCache } from './core/cache';
import { findHttpAgent } from './core/http/httpAgents';
import { locateCli } from './core/locate/cliLocator';
import { Detector } from './core/locate/detector';
import { nullLogger, stderrLogger } from './core/log';
import { ModelTranslator } from './core/models/modelNames';
import { ProviderCache } from './core/providers/providerCache';
import type { AgentRun } from './core/run/agentRun';
import { createRun, type RunServices } from './core/run/assembly';
import { AgentCatalog, type AgentEntry } from './core/run/catalog';
import { UserInputError } from './core/run/prompt';
import { RateLimits } from './core/run/rateLimit';
import { RunQueue } from './core/run/runQueue';
import { RunRegistry } from './core/run/runRegistry';
import type { RunSpec } from './core/run/runSpec';
import { parseCliArgs, USAGE, type CliArgs } from './headless/args';
import { defaultStorage, folderWorkspaceId, openHeadlessCache, runCacheCommand } from './headless/cacheCommand';
import { createHttpProvider } from './httpProviders';

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
  const logger = args.verbose ? stderrLogger('debug') : nullLogger;
  // The response cache, keyed on the working folder; a headless run uses the
  // agent's read-only mode by default, so it is cacheable. Opened on first use.
  const storage = path.resolve(args.storage ?? defaultStorage());
  let opened: Promise<ResponseCache | undefined> | undefined;
  const openCache = () =>
    (opened ??= openHeadlessCache(storage, { createSecret: true, logger }).then(
      (c) => c.cache,
      (err) => {
        process.stderr.write(`agent-relay: running without the response cache: ${err instanceof Error ? err.message : String(err)}\n`);
        return undefined;
      },
    ));
  const providers = new ProviderCache();
  const detector = new Detector();
  const services: RunServices = {
    catalog,
    providers,
    detect: (spec, scope, hints) => detector.detect(spec, scope, hints),
    httpProviders: () => createHttpProvider,
    apiKey: async (agentId) => {
      const spec = findHttpAgent(agentId);
      return (spec && process.env[spec.apiKeyEnv]) || undefined;
    },
    responseCache: async (spec) => (await openCache())?.workspace(folderWorkspaceId(spec.cwd)),
    rateLimits: new RateLimits(),
    logger: () => logger,
  };
  const registry = new RunRegistry({ queue: new RunQueue({ maxConcurrent: args.maxConcurrent }) });
  guardExits(() => registry.dispose());

  let run: AgentRun;
  try {
    run = registry.submit(createRun(runSpecFromArgs(agent, prompt, args, new ModelTranslator()), services));
  } catch (err) {
    if (err instanceof UserInputError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  run.onEvent(args.json ? printJson : printHuman);

  // Ctrl-C: stop the agent cleanly first; a second Ctrl-C kills the tree at once.
  let interrupts = 0;
  process.on('SIGINT', () => (++interrupts === 1 ? run.cancel() : run.killNow()));

  const outcome = await run.done;
  providers.clear();
  await (await opened)?.close();
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

/** The run's settings, from the command line: the same plain RunSpec the extension resolves from its settings. */
function runSpecFromArgs(agent: AgentEntry, prompt: string, args: Extract<CliArgs, { command: 'run' }>, translator: ModelTranslator): RunSpec {
  const cwd = path.resolve(args.cwd);
  const spec: RunSpec = {
    agentId: agent.id,
    prompt,
    title: { prompt },
    cwd,
    scope: cwd,
    timeoutMs: args.timeoutSeconds * 1000,
    retries: args.retries,
    maxPromptKilobytes: args.maxPromptKilobytes,
    maxLineMegabytes: args.maxLineMegabytes,
    cache: args.noCache ? 'bypass' : 'use',
  };
  if (agent.kind === 'cli') {
    spec.cli = {
      // A command-line path means the caller's folder, like any argument; made absolute so the run (in --cwd) starts the same file.
      path: args.agentPath && path.resolve(args.agentPath),
      pathSettingKey: `--agent-path (or agentRelay.${agent.id}.path in VS Code)`,
      options: { model: translator.translate(agent.id, args.model), permissionMode: args.permissionMode, allowedTools: args.allowedTools },
    };
  } else if (agent.kind === 'http') {
    const model = translator.translate(agent.id, args.model ?? agent.spec.defaultModel) ?? agent.spec.defaultModel;
    spec.http = { config: { baseUrl: args.baseUrl ?? agent.spec.defaultBaseUrl, model, maxTokens: args.maxTokens }, requestsPerMinute: args.requestsPerMinute };
  }
  return spec;
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

/**
 * Every way this process can end kills the agents' process trees first (they
 * lead process groups of their own, so nothing else would): SIGTERM, SIGHUP
 * (the terminal went away), a closed stdout (`run … | head`), an uncaught
 * error, and exit itself.
 */
function guardExits(killAll: () => void): void {
  const stop = (code: number) => () => {
    killAll();
    process.exitCode = code;
  };
  process.on('SIGTERM', stop(EXIT.cancelled));
  process.on('SIGHUP', stop(EXIT.cancelled));
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    stdoutOpen = false;
    killAll();
    if (err.code !== 'EPIPE') process.stderr.write(`agent-relay: stdout failed (${err.code ?? err.message}); stopped the run\n`);
    process.exitCode = EXIT.failed;
  });
  process.on('uncaughtException', (err) => {
    killAll();
    process.stderr.write(`agent-relay: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT.failed);
  });
  process.on('exit', killAll);
}

/** False once stdout is closed: nothing more is written to it. */
let stdoutOpen = true;
const out = (text: string) => stdoutOpen && process.stdout.write(text);

function printJson(e: SeqEvent): void {
  out(`${JSON.stringify(e)}\n`);
}

let textOpen = false;
function printHuman({ event }: SeqEvent): void {
  const line = (s: string) => {
    if (textOpen) out('\n');
    textOpen = false;
    process.stderr.write(`${s}\n`);
  };
  const e: AgentEvent = event;
  switch (e.type) {
    case 'text':
      out(e.text);
      textOpen = !e.text.endsWith('\n');
      return;
    case 'tool-use':
      return line(`⚙ ${e.name} ${JSON.stringify(e.input)}`);
    case 'tool-result':
      return line(`${e.isError ? '✗' : '↳'} ${e.output.split('\n')[0].slice(0, 200)}`);
    case 'notice':
      return line(`· ${e.message}`);
    case 'retry':
      return line(`· retrying in ${(e.delayMs / 1000).toFixed(1)} s (attempt ${e.attempt} of ${e.maxAttempts}): ${e.reason}`);
    case 'waiting':
      return line(`· waiting ${(e.delayMs / 1000).toFixed(1)} s for the rate limit (${e.detail})`);
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
