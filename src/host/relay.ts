import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { CliAgentSpec } from '../core/agents/cliAgent';
import { CliAgentProvider } from '../core/agents/cliProvider';
import type { RunOutcome, SeqEvent } from '../core/agents/events';
import { AGENTS, findAgent, unknownAgentMessage } from '../core/agents/registry';
import { locateCli, type Detection } from '../core/locate/cliLocator';
import { DetectionCache } from '../core/locate/detectionCache';
import { AgentRun } from '../core/run/agentRun';
import { checkPrompt, composePrompt, UserInputError, type AttachedContext } from '../core/run/prompt';
import type { RunInfo } from '../shared/protocol';
import { RunPanel, type PanelRun } from './runPanel';
import { RunLogs } from './runLogs';
import { affectsDetection, agentOptions, agentPathSetting, runSettings } from './settings';

export interface StartRunOptions {
  folder: vscode.WorkspaceFolder;
  context?: AttachedContext;
  /** Open the panel (default true). */
  showPanel?: boolean;
}

/** What the public API hands out about a run. */
export interface RunHandle {
  readonly id: string;
  readonly agentId: string;
  readonly done: Promise<RunOutcome>;
  /** Root process id while the agent runs. */
  readonly pid: number | undefined;
  events(): readonly SeqEvent[];
  cancel(): void;
}

/**
 * The extension's services, each created on first use: nothing here runs at
 * activation. Detections and providers are cached per workspace folder and
 * dropped when a relevant setting or the folders change.
 */
export class Relay implements vscode.Disposable {
  private logsValue: RunLogs | undefined;
  private readonly detections = new DetectionCache();
  private readonly providers = new Map<string, CliAgentProvider>();
  private readonly runs = new Map<string, PanelRun>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly context: vscode.ExtensionContext) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        for (const spec of AGENTS) if (affectsDetection(e, spec.id)) this.forget(spec.id);
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.forget()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.forget()),
    );
  }

  get logs(): RunLogs {
    return (this.logsValue ??= new RunLogs());
  }

  /** Drops cached detections and providers (one agent, or all): the next use searches again. */
  forget(agentId?: string): void {
    this.detections.clear(agentId);
    for (const key of [...this.providers.keys()]) if (!agentId || key.endsWith(`\0${agentId}`)) this.providers.delete(key);
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

  private provider(spec: CliAgentSpec, folder: vscode.WorkspaceFolder): CliAgentProvider {
    const key = `${folder.uri.toString()}\0${spec.id}`;
    let p = this.providers.get(key);
    if (!p) {
      p = new CliAgentProvider(spec, { locate: () => this.detect(spec, folder) });
      this.providers.set(key, p);
    }
    return p;
  }

  /** Starts a run and (by default) opens its panel. Throws UserInputError for a bad agent or prompt. */
  startRun(agentId: string, prompt: string, opts: StartRunOptions): RunHandle {
    const spec = findAgent(agentId);
    if (!spec) throw new UserInputError(unknownAgentMessage(agentId));
    const settings = runSettings(opts.folder);
    const fullPrompt = composePrompt(prompt, opts.context);
    checkPrompt(fullPrompt, settings.maxPromptKilobytes);

    const id = randomUUID();
    const logger = this.logs.forRun(id);
    const run = new AgentRun(
      this.provider(spec, opts.folder),
      { prompt: fullPrompt, cwd: opts.folder.uri.fsPath, options: agentOptions(spec.id, opts.folder) },
      { id, logger, timeoutMs: settings.timeoutMs },
    );
    const info: RunInfo = {
      runId: run.id,
      agentId: spec.id,
      agentName: spec.displayName,
      prompt,
      context: opts.context && `${opts.context.label}:${opts.context.startLine}-${opts.context.endLine}`,
      startedAt: run.startedAt,
    };
    const entry = { run, info };
    this.runs.set(run.id, entry);
    this.updateContext();
    logger.info(`${spec.displayName} in ${opts.folder.uri.fsPath}: ${JSON.stringify(prompt.slice(0, 200))}`);
    void run.done.then((outcome) => {
      this.updateContext();
      this.logs.release(run.id);
      if (outcome.status === 'failed') void this.reportFailure(spec, outcome);
    });
    if (opts.showPanel !== false) RunPanel.show(this.context.extensionUri, entry, (id) => this.runs.get(id));
    return toHandle(run);
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

  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', 'agentRelay.hasActiveRuns', this.activeRuns().length > 0);
  }

  private async reportFailure(spec: CliAgentSpec, outcome: RunOutcome): Promise<void> {
    const message = (outcome.message ?? `${spec.displayName} failed.`).split('\n')[0];
    const actions = ['Show Log', 'Open Settings'];
    const choice = await vscode.window.showErrorMessage(message, ...actions);
    if (choice === 'Show Log') this.logs.show();
    else if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', `agentRelay.${spec.id}`);
  }

  dispose(): void {
    // The window is closing: no agent process may outlive it.
    for (const { run } of this.runs.values()) if (run.isRunning) run.killNow();
    for (const d of this.disposables.splice(0)) d.dispose();
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
