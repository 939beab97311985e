import { Worktrees } from '../core/worktrees/worktrees';
import * as path from 'node:path';
import type { RunOutcome } from '../core/agents/events';
import type { ResponseCache } from '../core/cache';
import { findHttpAgent } from '../core/http/httpAgents';
import { Detector } from '../core/locate/detector';
import { nullLogger, stderrLogger, type Logger } from '../core/log';
import { ModelTranslator } from '../core/models/modelNames';
import { HistoryStore } from '../core/history/historyStore';
import { ProviderCache } from '../core/providers/providerCache';
import type { RunServices } from '../core/run/assembly';
import { HistoryRecorder } from '../core/run/historyRecorder';
import { OtlpExporter, otlpHeaders } from '../core/metrics/otlp';
import { AgentCatalog, type AgentEntry } from '../core/run/catalog';
import { RateLimits } from '../core/run/rateLimit';
import { RunQueue } from '../core/run/runQueue';
import { RunRegistry } from '../core/run/runRegistry';
import type { RunSpec } from '../core/run/runSpec';
import { createHttpProvider } from '../httpProviders';
import type { RunOptions } from './args';
import { defaultStorage, folderWorkspaceId, openHeadlessCache } from './cacheCommand';
import { closeStdout } from './output';

export const EXIT = { ok: 0, failed: 1, usage: 2, timedOut: 124, cancelled: 130 } as const;

export function exitCodeFor(outcome: RunOutcome): number {
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

/**
 * What the headless commands that run agents share: the same services the
 * extension gives its runs (catalog, provider cache, detection, the response
 * cache under --storage, rate limits), one run registry and queue, and exit
 * guards that kill every agent's tree however this process ends.
 */
/** Where the headless CLI keeps worktrees and their list. */
export function worktreesFolder(storage: string): string {
  return path.join(storage, 'worktrees');
}

/** Set by the CLI's bundle; absent when the sources run unbundled. */
declare const AGENT_RELAY_VERSION: string | undefined;
const VERSION = typeof AGENT_RELAY_VERSION === 'string' ? AGENT_RELAY_VERSION : '0.0.0-dev';

export class HeadlessSession {
  readonly catalog = new AgentCatalog();
  readonly logger: Logger;
  readonly storage: string;
  /** The run history under --storage (each folder's workspace in it). */
  readonly history: HistoryStore;
  readonly registry: RunRegistry;
  readonly services: RunServices;
  private readonly providers = new ProviderCache();
  private readonly translator = new ModelTranslator();
  private cacheOpening: Promise<ResponseCache | undefined> | undefined;
  private readonly recorder: HistoryRecorder;
  /** Runs working in a worktree, by id: the folder they were asked in. */
  readonly homeFolders = new Map<string, string>();
  private worktreesValue: Worktrees | undefined;
  private readonly exporter: OtlpExporter | undefined;

  constructor(private readonly opts: RunOptions & { maxConcurrent: number }) {
    this.logger = opts.verbose ? stderrLogger('debug') : nullLogger;
    this.storage = path.resolve(opts.storage ?? defaultStorage());
    this.registry = new RunRegistry({ queue: new RunQueue({ maxConcurrent: opts.maxConcurrent }) });
    const detector = new Detector();
    this.services = {
      catalog: this.catalog,
      providers: this.providers,
      detect: (spec, scope, hints) => detector.detect(spec, scope, hints),
      httpProviders: () => createHttpProvider,
      apiKey: async (agentId) => {
        const spec = findHttpAgent(agentId);
        return (spec && process.env[spec.apiKeyEnv]) || undefined;
      },
      // Keyed on the working folder; headless runs use the agents' read-only modes by default, so they are cacheable.
      responseCache: async (spec) => (await this.cache())?.workspace(folderWorkspaceId(spec.cwd)),
      rateLimits: new RateLimits(),
      logger: () => this.logger,
    };
    // Every finished run goes into its folder's history under --storage, where VS Code's history is too.
    const history = (this.history = new HistoryStore(this.storage, { logger: this.logger }));
    // A run in a worktree belongs to the folder it was asked in.
    this.recorder = new HistoryRecorder(this.registry, async (run) => history.workspace(folderWorkspaceId(this.homeFolders.get(run.id) ?? run.request.cwd)), this.logger);
    if (opts.otlpEndpoint) {
      // Export problems are said on stderr even without --verbose: the user asked for the export.
      const logger = opts.verbose ? this.logger : { ...nullLogger, warn: (m: string) => void process.stderr.write(`agent-relay: ${m}\n`) };
      const exporter = (this.exporter = new OtlpExporter({ endpoint: opts.otlpEndpoint, headers: otlpHeaders(process.env.OTEL_EXPORTER_OTLP_HEADERS ?? ''), serviceVersion: VERSION, logger }));
      this.recorder.onDidWrite((r) => exporter.record(r));
    }
    guardExits(() => this.registry.dispose());
  }

  /** The response cache, opened on first use; undefined (with one message) when it cannot be. */
  cache(): Promise<ResponseCache | undefined> {
    return (this.cacheOpening ??= openHeadlessCache(this.storage, { createSecret: true, logger: this.logger }).then(
      (c) => c.cache,
      (err) => {
        process.stderr.write(`agent-relay: running without the response cache: ${err instanceof Error ? err.message : String(err)}\n`);
        return undefined;
      },
    ));
  }

  /** A run's settings from the command line (and a batch task's own fields): the same RunSpec the extension resolves from its settings. */
  runSpec(agent: AgentEntry, prompt: string, task: { cwd?: string; model?: string } = {}): RunSpec {
    const o = this.opts;
    const cwd = path.resolve(task.cwd ?? o.cwd);
    const model = task.model ?? o.model;
    const spec: RunSpec = {
      agentId: agent.id,
      prompt,
      title: { prompt },
      cwd,
      scope: cwd,
      timeoutMs: o.timeoutSeconds * 1000,
      retries: o.retries,
      maxPromptKilobytes: o.maxPromptKilobytes,
      maxLineMegabytes: o.maxLineMegabytes,
      cache: o.noCache ? 'bypass' : 'use',
    };
    if (agent.kind === 'cli') {
      spec.cli = {
        // A command-line path means the caller's folder, like any argument; made absolute so the run (in --cwd) starts the same file.
        path: o.agentPath && path.resolve(o.agentPath),
        pathSettingKey: `--agent-path (or agentRelay.${agent.id}.path in VS Code)`,
        options: { model: this.translator.translate(agent.id, model), permissionMode: o.permissionModes[agent.id] ?? o.permissionMode, allowedTools: o.allowedTools },
      };
    } else if (agent.kind === 'http') {
      const translated = this.translator.translate(agent.id, model ?? agent.spec.defaultModel) ?? agent.spec.defaultModel;
      const baseUrl = o.baseUrl ?? (process.env[agent.spec.baseUrlEnv] || agent.spec.defaultBaseUrl);
      spec.http = { config: { baseUrl, model: translated, maxTokens: o.maxTokens, maxHistoryTokens: o.maxHistoryTokens }, requestsPerMinute: o.requestsPerMinute };
    }
    return spec;
  }

  /** The worktrees of edit-mode runs of several agents, under --storage (shared with \`worktrees list|apply|discard\`). */
  get worktrees(): Worktrees {
    return (this.worktreesValue ??= new Worktrees(worktreesFolder(this.storage)));
  }

  /** Writes the history, releases connections and writes the cache's statistics. */
  async close(): Promise<void> {
    await this.recorder.flush();
    await this.exporter?.close();
    this.providers.clear();
    await (await this.cacheOpening)?.close();
  }
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
    closeStdout();
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
