import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AgentCatalog, type AgentEntry } from '../core/agents/catalog';
import type { CliAgentSpec } from '../core/agents/cliAgent';
import { CliAgentProvider } from '../core/agents/cliProvider';
import type { RunOutcome, SeqEvent } from '../core/agents/events';
import type { AgentProvider, RunRequest } from '../core/agents/provider';
import type { HttpAgentSpec } from '../core/http/httpAgents';
import { locateCli, type Detection } from '../core/locate/cliLocator';
import { DetectionCache } from '../core/locate/detectionCache';
import { ModelTranslator } from '../core/models/modelNames';
import { ProviderCache, type CachedProvider } from '../core/providers/providerCache';
import { AgentRun } from '../core/run/agentRun';
import { checkPrompt, composePrompt, UserInputError, type AttachedContext } from '../core/run/prompt';
import type { RunInfo } from '../shared/protocol';
import type * as HttpProvidersModule from '../httpProviders';
import { CachingProvider, cliRunPlan, httpRunPlan, type CacheRunPlan } from '../core/cache';
import { ApiKeys } from './apiKeys';
import { CacheService } from './cacheService';
import { RunPanel, type PanelRun } from './runPanel';
import { RunLogs } from './runLogs';
import { affectsDetection, agentOptions, agentPathSetting, httpProviderSettings, modelOverrides, runSettings } from './settings';

export interface StartRunOptions {
  folder: vscode.WorkspaceFolder;
  context?: AttachedContext;
  /** Open the panel (default true). */
  showPanel?: boolean;
  /** Skip the response-cache lookup (the answer may still be stored). */
  noCache?: boolean;
}

/** What the public API hands out about a run. */
export interface RunHandle {
  readonly id: string;
  readonly agentId: string;
  readonly done: Promise<RunOutcome>;
  /** Root process id while the agent runs (CLI agents). */
  readonly pid: number | undefined;
  events(): readonly SeqEvent[];
  cancel(): void;
}

/**
 * The extension's services, each created on first use: nothing here runs at
 * activation. Detections and provider instances are cached per workspace
 * folder and dropped when a relevant setting or the folders change.
 */
export class Relay implements vscode.Disposable {
  readonly catalog = new AgentCatalog();
  /** The response cache (opened on first use). */
  readonly cache: CacheService;
  private logsValue: RunLogs | undefined;
  private keysValue: ApiKeys | undefined;
  private translatorValue: ModelTranslator | undefined;
  private httpModule: typeof HttpProvidersModule | undefined;
  private readonly detections = new DetectionCache();
  private readonly providers = new ProviderCache();
  private readonly runs = new Map<string, PanelRun>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when agents, their detections or their settings may have changed (the Agents view listens). */
  readonly onDidChangeAgents = this.changed.event;

  constructor(readonly context: vscode.ExtensionContext) {
    this.cache = new CacheService(context, () => this.logs.root);
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('agentRelay.models')) this.translatorValue = undefined;
        for (const a of this.catalog.all()) {
          if (a.kind === 'cli' && affectsDetection(e, a.id)) this.forget(a.id);
          else if (e.affectsConfiguration(`agentRelay.${a.id}`) || e.affectsConfiguration('agentRelay.models')) this.providers.evict({ providerId: a.id });
        }
        if (e.affectsConfiguration('agentRelay')) this.changed.fire();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.forget()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.forget()),
    );
  }

  get logs(): RunLogs {
    return (this.logsValue ??= new RunLogs());
  }

  get keys(): ApiKeys {
    return (this.keysValue ??= new ApiKeys(this.context.secrets));
  }

  get translator(): ModelTranslator {
    return (this.translatorValue ??= new ModelTranslator(modelOverrides()));
  }

  /** Drops cached detections and provider instances (one agent, or all): the next use searches again. */
  forget(agentId?: string): void {
    this.detections.clear(agentId);
    this.providers.evict({ providerId: agentId });
    this.changed.fire();
  }

  detect(spec: CliAgentSpec, folder?: vscode.WorkspaceFolder): Promise<Detection> {
    const key = folder?.uri.toString() ?? '';
    return this.detections.get(key, spec.id, () => {
      const setting = agentPathSetting(spec.id, folder);
      const started = Date.now();
      return locateCli(spec, {
        platform: process.platform,
        env: process.env,
        home: os.homedir(),
        configuredPath: setting.value,
        settingIgnoredUntrusted: setting.ignored,
        settingKey: `agentRelay.${spec.id}.path`,
      }).then((d) => {
        this.logs.root.info(`detect ${spec.id}: ${d.found ? `${d.path} (${d.foundBy})` : 'not found'} in ${Date.now() - started} ms`);
        return d;
      });
    });
  }

  /** The HTTP providers' bundle, loaded the first time an HTTP agent runs. */
  private loadHttpProviders(): typeof HttpProvidersModule {
    if (!this.httpModule) {
      // A computed path, so esbuild leaves this require alone and the code stays in its own file.
      const file = path.join(__dirname, 'httpProviders.js');
      this.httpModule = require(file) as typeof HttpProvidersModule;
      this.logs.root.info('loaded the HTTP providers');
    }
    return this.httpModule;
  }

  /**
   * The (cached) provider for an agent in a folder, and how to describe its runs
   * to the response cache; providers from other extensions are not cached, as
   * nothing says what their answers depend on.
   */
  private provider(agent: AgentEntry, folder: vscode.WorkspaceFolder): { provider: CachedProvider; plan?: (request: RunRequest, bypass: boolean) => Promise<CacheRunPlan> } {
    const ws = folder.uri.toString();
    switch (agent.kind) {
      case 'external':
        return { provider: agent.provider };
      case 'cli': {
        const config = { path: agentPathSetting(agent.id, folder).value, env: agentOptions(agent.id, folder).environment };
        const provider = this.providers.get(ws, agent.id, config, () => new CliAgentProvider(agent.spec, { locate: () => this.detect(agent.spec, folder) }));
        return {
          provider,
          plan: async (request, bypass) => {
            const d = await this.detect(agent.spec, folder);
            return cliRunPlan(agent.spec, request, d.found ? await d.version() : undefined, bypass);
          },
        };
      }
      case 'http': {
        const spec: HttpAgentSpec = agent.spec;
        const settings = httpProviderSettings(spec, folder);
        const config = { ...settings, model: this.translator.translate(spec.id, settings.model) ?? settings.model };
        const provider = this.providers.get(ws, agent.id, config, () => {
          this.logs.root.info(`new ${spec.displayName} client for ${config.baseUrl} (${config.model})`);
          return this.loadHttpProviders().createHttpProvider(spec.id, config, () => this.keys.get(spec.id));
        });
        return { provider, plan: async (request, bypass) => httpRunPlan(spec, config, request, bypass) };
      }
    }
  }

  /** Wraps a provider with the response cache when this run can use it; the cache opens on the first run. */
  private withCache(inner: AgentProvider, plan: ((request: RunRequest, bypass: boolean) => Promise<CacheRunPlan>) | undefined, bypass: boolean): AgentProvider {
    if (!plan) return inner;
    return {
      id: inner.id,
      displayName: inner.displayName,
      run: async (request, ctx) => {
        const cache = await this.cache.workspace();
        if (!cache) return inner.run(request, ctx);
        return new CachingProvider(inner, { cache, describe: (r) => plan(r, bypass) }).run(request, ctx);
      },
    };
  }

  /** Starts a run and (by default) opens its panel. Throws UserInputError for a bad agent or prompt. */
  startRun(agentId: string, prompt: string, opts: StartRunOptions): RunHandle {
    const agent = this.catalog.find(agentId);
    if (!agent) throw new UserInputError(this.catalog.unknownMessage(agentId));
    const settings = runSettings(opts.folder);
    const fullPrompt = composePrompt(prompt, opts.context);
    checkPrompt(fullPrompt, settings.maxPromptKilobytes);

    const options = agent.kind === 'cli' ? agentOptions(agent.id, opts.folder) : {};
    if (options.model) options.model = this.translator.translate(agent.id, options.model);
    const id = randomUUID();
    const logger = this.logs.forRun(id);
    const { provider, plan } = this.provider(agent, opts.folder);
    const run = new AgentRun(
      this.withCache(provider, plan, opts.noCache === true),
      { prompt: fullPrompt, cwd: opts.folder.uri.fsPath, options },
      { id, logger, timeoutMs: settings.timeoutMs },
    );
    const info: RunInfo = {
      runId: run.id,
      agentId: agent.id,
      agentName: agent.displayName,
      prompt,
      context: opts.context && `${opts.context.label}:${opts.context.startLine}-${opts.context.endLine}`,
      startedAt: run.startedAt,
    };
    const entry: PanelRun = { run, info, rerunWithoutCache: () => this.startRun(agent.id, prompt, { ...opts, noCache: true, showPanel: true }) };
    this.runs.set(run.id, entry);
    this.updateContext();
    logger.info(`${agent.displayName} in ${opts.folder.uri.fsPath}: ${JSON.stringify(prompt.slice(0, 200))}`);
    void run.done.then((outcome) => {
      this.updateContext();
      this.logs.release(run.id);
      if (outcome.status === 'failed') void this.reportFailure(agent, outcome);
    });
    if (opts.showPanel !== false) RunPanel.show(this.context.extensionUri, entry, (rid) => this.runs.get(rid));
    return toHandle(run);
  }

  /** Adds another extension's provider (public API). */
  registerProvider(provider: AgentProvider, owner?: string): vscode.Disposable {
    const remove = this.catalog.register(provider, owner);
    this.changed.fire();
    return new vscode.Disposable(() => {
      remove();
      this.changed.fire();
    });
  }

  getRun(runId: string): RunHandle | undefined {
    const entry = this.runs.get(runId);
    return entry && toHandle(entry.run);
  }

  listRuns(): RunHandle[] {
    return [...this.runs.values()].map((r) => toHandle(r.run));
  }

  resolvePanelRun = (runId: string): PanelRun | undefined => this.runs.get(runId);

  activeRuns(): PanelRun[] {
    return [...this.runs.values()].filter((r) => r.run.isRunning);
  }

  /** Whether the HTTP providers' bundle has been loaded (for the Doctor and tests of lazy loading). */
  get httpProvidersLoaded(): boolean {
    return this.httpModule !== undefined;
  }

  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', 'agentRelay.hasActiveRuns', this.activeRuns().length > 0);
  }

  private async reportFailure(agent: AgentEntry, outcome: RunOutcome): Promise<void> {
    const message = (outcome.message ?? vscode.l10n.t({ message: '{0} failed.', args: [agent.displayName], comment: '{0} is an agent, e.g. Claude Code' })).split('\n')[0];
    const setKey = vscode.l10n.t('Set API Key…');
    const showLog = vscode.l10n.t('Show Log');
    const openSettings = vscode.l10n.t('Open Settings');
    const actions = agent.kind === 'http' ? [setKey, showLog, openSettings] : [showLog, openSettings];
    const choice = await vscode.window.showErrorMessage(message, ...actions);
    if (choice === showLog) this.logs.show();
    else if (choice === openSettings) void vscode.commands.executeCommand('workbench.action.openSettings', `agentRelay.${agent.id}`);
    else if (choice === setKey) void vscode.commands.executeCommand('agentRelay.setApiKey', agent.id);
  }

  /** The window is closing: no agent process may outlive it; the cache writes its statistics. */
  async dispose(): Promise<void> {
    for (const { run } of this.runs.values()) if (run.isRunning) run.killNow();
    this.providers.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
    await this.cache.dispose().catch(() => undefined);
    this.logsValue?.dispose();
  }
}

function toHandle(run: AgentRun): RunHandle {
  return {
    id: run.id,
    agentId: run.agentId,
    done: run.done,
    get pid() {
      return run.pid;
    },
    events: () => run.eventsAfter(0),
    cancel: () => run.cancel(),
  };
}
