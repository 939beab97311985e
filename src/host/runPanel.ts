import * as vscode from 'vscode';
import type { SeqEvent } from '../core/agents/events';
import type { AgentRun } from '../core/run/agentRun';
import { assertNever, VIEW_TYPE, type HostToWebview, type PanelState, type RunInfo, type WebviewToHost } from '../shared/protocol';
import { panelHtml, panelResourceRoots } from './panelHtml';

/** A run the panel can show: the live run (if this window still has it) and its header info. */
export interface PanelRun {
  run: AgentRun;
  info: RunInfo;
  /** Runs the same prompt again, skipping the cache lookup. */
  rerunWithoutCache?(): unknown;
}

/**
 * The webview panel of one run. The webview is not kept alive while hidden, so
 * `postMessage` would silently drop events then; instead the panel posts only
 * after the webview said `ready`, and every `ready` (first load, shown again,
 * restored after reload, or a detected gap) is answered with the events after
 * the sequence number the webview already has.
 */
export class RunPanel implements vscode.Disposable {
  private static readonly open = new Map<string, RunPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private unsubscribe: (() => void) | undefined;
  private ready = false;
  private pending: SeqEvent[] = [];
  private flushScheduled = false;
  private bound: PanelRun | undefined;
  private disposed = false;

  /** Opens a new panel for a run. */
  static show(extensionUri: vscode.Uri, target: PanelRun, resolve: (runId: string) => PanelRun | undefined): RunPanel {
    // New runs join the column where run panels already are, instead of splitting the editor again.
    const column = [...RunPanel.open.values()].map((p) => p.panel.viewColumn).find((c) => c !== undefined);
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      panelTitle(target.info),
      { viewColumn: column ?? vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: panelResourceRoots(extensionUri) },
    );
    return new RunPanel(panel, extensionUri, resolve, target.info.runId);
  }

  /** Re-attaches a panel VS Code restored after a reload. */
  static restore(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, state: PanelState | undefined, resolve: (runId: string) => PanelRun | undefined): RunPanel {
    panel.webview.options = { enableScripts: true, localResourceRoots: panelResourceRoots(extensionUri) };
    return new RunPanel(panel, extensionUri, resolve, state?.runId);
  }

  static forRun(runId: string): RunPanel | undefined {
    return RunPanel.open.get(runId);
  }

  /** The run shown in the active panel, if a run panel is active. */
  static activeRunId(): string | undefined {
    for (const [runId, p] of RunPanel.open) if (p.panel.active) return runId;
    return undefined;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly resolve: (runId: string) => PanelRun | undefined,
    private runId: string | undefined,
  ) {
    if (runId) RunPanel.open.set(runId, this);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
    panel.webview.html = panelHtml(panel.webview, extensionUri, runId);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: WebviewToHost) => this.onMessage(m)),
      panel.onDidChangeViewState(() => {
        // A hidden webview is torn down; it says `ready` again when shown.
        if (!panel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  private onMessage(msg: WebviewToHost): void {
    switch (msg.type) {
      case 'ready':
        return this.onReady(msg.runId ?? this.runId, msg.afterSeq);
      case 'cancel':
        return this.bound?.run.cancel();
      case 'rerunWithoutCache':
        this.bound?.rerunWithoutCache?.();
        return;
      default:
        assertNever(msg);
    }
  }

  private onReady(runId: string | undefined, afterSeq: number): void {
    if (!runId) return;
    if (runId !== this.runId) {
      if (this.runId) RunPanel.open.delete(this.runId);
      this.runId = runId;
      RunPanel.open.set(runId, this);
    }
    const target = this.bound ?? this.resolve(runId);
    if (!target) {
      void this.post({ type: 'runUnavailable', runId });
      return;
    }
    if (!this.bound) {
      this.bound = target;
      this.panel.title = panelTitle(target.info);
      this.unsubscribe = target.run.onEvent((e) => this.enqueue(e));
    }
    this.ready = true;
    this.pending = [];
    void this.post({ type: 'attach', run: target.info });
    const backlog = target.run.eventsAfter(afterSeq);
    if (backlog.length) void this.post({ type: 'events', runId, events: backlog });
  }

  private enqueue(e: SeqEvent): void {
    if (!this.ready) return; // the webview will ask for it on its next `ready`
    this.pending.push(e);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // One message per burst: everything one stdout chunk produced goes together.
    setImmediate(() => {
      this.flushScheduled = false;
      const events = this.pending;
      this.pending = [];
      if (events.length && this.ready && this.runId) void this.post({ type: 'events', runId: this.runId, events });
    });
  }

  private post(message: HostToWebview): Thenable<boolean> {
    return this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.runId && RunPanel.open.get(this.runId) === this) RunPanel.open.delete(this.runId);
    this.unsubscribe?.();
    // Closing the panel of a live run stops it: a run nobody can see or cancel is a leak.
    if (this.bound?.run.isRunning) this.bound.run.cancel();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

function panelTitle(info: RunInfo): string {
  const words = info.prompt.replace(/\s+/g, ' ').trim();
  return vscode.l10n.t({
    message: '{0}: {1}',
    args: [info.agentName, words.length > 30 ? words.slice(0, 30) + '…' : words],
    comment: 'A run panel\'s title: {0} is the agent, {1} the start of the prompt',
  });
}
