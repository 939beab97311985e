import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CliAgentSpec } from '../core/agents/cliAgent';
import type { AgentProvider } from '../core/agents/provider';
import type { CreateHttpProvider } from '../core/http/httpAgents';
import type { OtlpExporter, OtlpExporterOptions } from '../core/metrics/otlp';
import { WindowSampler } from '../core/metrics/windowHealth';
import type { Detection } from '../core/locate/cliLocator';
import { Detector } from '../core/locate/detector';
import { ModelTranslator } from '../core/models/modelNames';
import { ProviderCache } from '../core/providers/providerCache';
import type { RunServices } from '../core/run/assembly';
import { AgentCatalog } from '../core/run/catalog';
import { noFolderWorkspaceId } from '../core/cache/workspaceId';
import { HistoryStore, type WorkspaceHistory } from '../core/history/historyStore';
import { HistoryRecorder } from '../core/run/historyRecorder';
import { RateLimits } from '../core/run/rateLimit';
import { RunQueue } from '../core/run/runQueue';
import { RunRegistry } from '../core/run/runRegistry';
import { ApiKeys } from './apiKeys';
import { CacheService } from './cacheService';
import { MetricsExport } from './metricsExport';
import { RunLogs } from './runLogs';
import type { RunsView } from './runsView';
import { WorktreeService } from './worktreeService';
import { affectsDetection, agentPathSetting, modelOverrides, queueSettings } from './settings';

/**
 * The extension's services, each made on first use and disposed with the
 * extension: nothing here runs at activation. It holds no policy; what to do
 * with runs (panels, failure messages) lives in modules that subscribe to the
 * run registry. Detections and provider instances are kept per workspace
 * folder and forgotten when a relevant setting, the folders or trust change.
 */
export class Relay implements vscode.Disposable {
  readonly catalog = new AgentCatalog();
  /** The response cache (opened on first use). */
  readonly cache: CacheService;
  private logsValue: RunLogs | undefined;
  private keysValue: ApiKeys | undefined;
  private translatorValue: ModelTranslator | undefined;
  private registryValue: RunRegistry | undefined;
  private historyValue: HistoryStore | undefined;
  private recorderValue: HistoryRecorder | undefined;
  private httpModule: { createHttpProvider: CreateHttpProvider } | undefined;
  private worktreesValue: WorktreeService | undefined;
  private metricsExportValue: MetricsExport | undefined;
  private readonly windowSampler = new WindowSampler(randomUUID(), () => this.logs.activationMs);
  readonly detector = new Detector(undefined, (d, ms) => this.logs.root.info(`detect ${d.agentId}: ${d.found ? `${d.path} (${d.foundBy})` : 'not found'} in ${ms} ms`));
  readonly providers = new ProviderCache();
  readonly rateLimits = new RateLimits();
  /** Worktrees of edit-mode group runs, made on the first group that needs them. */
  get worktrees(): WorktreeService {
    if (!this.worktreesValue) {
      this.worktreesValue = new WorktreeService(this.context.globalStorageUri.fsPath);
      this.disposables.push(this.worktreesValue);
    }
    return this.worktreesValue;
  }

  /** The worktree service if a group has used it (views ask without making it). */
  get worktreesIfUsed(): WorktreeService | undefined {
    return this.worktreesValue;
  }

  /** The Runs view, which activate() makes (commands on runs reach it here). */
  runsView: RunsView | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when agents, their detections or their settings may have changed (the Agents view listens). */
  readonly onDidChangeAgents = this.changed.event;
  private readonly historyChanged = new vscode.EventEmitter<string>();
  /** Fires with a run's id when this window wrote it to the history or deleted it from there. */
  readonly onDidChangeHistory = this.historyChanged.event;

  constructor(readonly context: vscode.ExtensionContext) {
    this.cache = new CacheService(context, () => this.logs.root);
    this.disposables.push(
      this.changed,
      this.historyChanged,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('agentRelay.models')) this.translatorValue = undefined;
        for (const a of this.catalog.all()) {
          if (a.kind === 'cli' && affectsDetection(e, a.id)) this.forget(a.id);
          else if (e.affectsConfiguration(`agentRelay.${a.id}`) || e.affectsConfiguration('agentRelay.models')) this.providers.evict({ providerId: a.id });
        }
        if (this.registryValue && e.affectsConfiguration('agentRelay.run')) {
          const q = queueSettings();
          this.registryValue.queue.setMaxConcurrent(q.maxConcurrent);
          this.registryValue.queue.setPerAgent(q.perAgent);
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

  /**
   * Every run of this window: the single source of truth the panels, views and
   * API read. Finished runs go into the history as they end, and their logs
   * are read from there: the registry keeps only the newest ten (at most
   * 16 MB of their text) in memory, for the panels still showing them and for
   * API callers that just awaited one.
   */
  get runs(): RunRegistry {
    if (!this.registryValue) {
      this.registryValue = new RunRegistry({ queue: new RunQueue(queueSettings()), maxFinished: 10, maxFinishedChars: 16 * 1024 * 1024 });
      this.recorderValue = new HistoryRecorder(this.registryValue, async () => this.workspaceHistory(), this.logs.root);
      this.recorderValue.onDidWrite((r) => {
        this.historyChanged.fire(r.id);
        this.metricsExport.record(r);
        this.sampleWindow();
      });
    }
    return this.registryValue;
  }

  /** Our activation time and the host's memory, kept with the workspace's history when a run finishes (at most every 30 minutes). */
  private sampleWindow(): void {
    const sample = this.windowSampler.take();
    if (sample) void this.workspaceHistory().addWindowSample(sample).catch((err) => this.logs.root.warn(`history: could not keep the window sample: ${err instanceof Error ? err.message : String(err)}`));
  }

  /** Run metrics to the user's OpenTelemetry collector (off unless agentRelay.metrics.otlpEndpoint is set). */
  get metricsExport(): MetricsExport {
    return (this.metricsExportValue ??= new MetricsExport(this.logs.root, String(this.context.extension.packageJSON.version ?? '0.0.0'), (opts) => {
      // Its own bundle, like the HTTP providers': only users who export metrics load it.
      const exporter = require(path.join(__dirname, 'otlpExporter.js')) as { createOtlpExporter: (o: OtlpExporterOptions) => OtlpExporter };
      return exporter.createOtlpExporter(opts);
    }));
  }

  /** Writes of finished runs into the history (flushed before a window closes). */
  get recorder(): HistoryRecorder {
    void this.runs;
    return this.recorderValue!;
  }

  /** Deletes a run from this workspace's history; returns whether it was there. */
  async deleteFromHistory(runId: string): Promise<boolean> {
    const deleted = (await this.workspaceHistory()?.delete(runId)) ?? false;
    if (deleted) this.historyChanged.fire(runId);
    return deleted;
  }

  /** Every window's and the headless CLI's run history, under the extension's global storage; nothing is read until asked. */
  get history(): HistoryStore {
    return (this.historyValue ??= new HistoryStore(this.context.globalStorageUri.fsPath, { logger: this.logs.root }));
  }

  /** This window's workspace's history (windows without a folder share one). */
  workspaceHistory(): WorkspaceHistory {
    return this.history.workspace(this.cache.workspaceId() ?? noFolderWorkspaceId());
  }

  /** What assembling a run needs (core/run/assembly.ts). */
  get runServices(): RunServices {
    return {
      catalog: this.catalog,
      providers: this.providers,
      detect: (spec, scope, hints) => this.detector.detect(spec, scope, hints),
      httpProviders: () => this.loadHttpProviders().createHttpProvider,
      apiKey: (agentId) => this.keys.get(agentId),
      responseCache: () => this.cache.workspace(),
      rateLimits: this.rateLimits,
      logger: (runId) => this.logs.forRun(runId),
    };
  }

  /** Drops cached detections and provider instances (one agent, or all): the next use searches again. */
  forget(agentId?: string): void {
    this.detector.forget(agentId);
    this.providers.evict({ providerId: agentId });
    this.changed.fire();
  }

  /** Where an agent's CLI is, as runs in `folder` would find it. */
  detect(spec: CliAgentSpec, folder?: vscode.WorkspaceFolder): Promise<Detection> {
    const setting = agentPathSetting(spec.id, folder);
    return this.detector.detect(spec, folder?.uri.toString() ?? '', {
      configuredPath: setting.value,
      settingIgnoredUntrusted: setting.ignored,
      settingKey: `agentRelay.${spec.id}.path`,
      baseDir: folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined,
    });
  }

  /** The HTTP providers' bundle, loaded the first time an HTTP agent runs. */
  private loadHttpProviders(): { createHttpProvider: CreateHttpProvider } {
    if (!this.httpModule) {
      // A computed path, so esbuild leaves this require alone and the code stays in its own file.
      const file = path.join(__dirname, 'httpProviders.js');
      this.httpModule = require(file) as { createHttpProvider: CreateHttpProvider };
      this.logs.root.info('loaded the HTTP providers');
    }
    return this.httpModule;
  }

  /** Whether the HTTP providers' bundle has been loaded (for the Doctor and tests of lazy loading). */
  get httpProvidersLoaded(): boolean {
    return this.httpModule !== undefined;
  }

  /** Adds another extension's provider (public API). Throws on a malformed or taken id. */
  registerProvider(provider: AgentProvider, owner?: string): vscode.Disposable {
    const remove = this.catalog.register(provider, owner);
    this.changed.fire();
    return new vscode.Disposable(() => {
      remove();
      this.changed.fire();
    });
  }

  /** The window is closing: no agent process may outlive it, nothing queued starts; the cache writes its statistics. */
  async dispose(): Promise<void> {
    this.registryValue?.dispose();
    // The runs just stopped are written before the window goes (VS Code waits a few seconds).
    await this.recorderValue?.flush().catch(() => undefined);
    this.recorderValue?.dispose();
    // Their metrics go to the collector too, if one is set (a few seconds at most).
    await this.metricsExportValue?.close().catch(() => undefined);
    this.providers.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
    await this.cache.dispose().catch(() => undefined);
    this.logsValue?.dispose();
  }
}
