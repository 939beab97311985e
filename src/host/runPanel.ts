import * as vscode from 'vscode';
import type { SeqEvent } from '../core/agents/events';
import type { AgentRun } from '../core/run/agentRun';
import { assertNever, VIEW_TYPE, type HostToWebview, type PanelState, type RunInfo, type WebviewToHost } from '../shared/protocol';
import { panelHtml, panelResourceRoots } from './panelHtml';
import type { Relay } from './relay';
import { copyAnswer } from './runCommands';
import { canRerun, folderOf, rerunRecord, rerunWithoutCache } from './runs';
import type { HistoryRecord } from '../core/history/historyRecord';
import { eventBatches } from '../shared/eventBatches';

/** What the panel shows about a run of the history (finished, in this or another window). */
export function recordInfo(record: HistoryRecord): RunInfo {
  return {
    runId: record.id,
    agentId: record.agentId,
    agentName: record.agentName,
    prompt: record.prompt,
    context: record.context,
    createdAt: record.createdAt,
    startedAt: record.startedAt,
    state: 'finished',
    canRerun: folderOf(record) !== undefined,
  };
}

/** Live events are posted at most once a frame: a fast stream costs the webview one message per frame, not one per chunk. */
const FRAME_MS = 16;

/** What the panel shows about a run of the registry. */
export function runInfo(relay: Relay, run: AgentRun): RunInfo {
  const r = run.record;
  return {
    runId: r.id,
    agentId: r.agentId,
    agentName: r.agentName,
    prompt: r.prompt,
    context: r.context,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    state: r.state,
    queuePosition: relay.runs.queuePosition(run),
    canRerun: canRerun(run),
  };
}

/**
 * The webview panel of one run, which it reads from the run registry. The
 * webview is not kept alive while hidden, so `postMessage` would silently drop
 * events then; instead the panel posts only after the webview said `ready`,
 * and every `ready` (first load, shown again, restored after reload, or a
 * detected gap) is answered with the events after the sequence number the
 * webview already has.
 */
export class RunPanel implements vscode.Disposable {
  private static readonly open = new Map<string, RunPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private unsubscribe: Array<() => void> = [];
  private ready = false;
  private pending: SeqEvent[] = [];
  private flushScheduled = false;
  private lastFlush = 0;
  private bound: AgentRun | undefined;
  /** When the run is no longer in this window's registry: its record from the history. */
  private record: HistoryRecord | undefined;
  private rerunning = false;
  private disposed = false;

  /** Opens a panel for a run of the registry or the history (or shows the one already open for it). */
  static show(relay: Relay, run: { id: string; agentName: string; prompt: string }, opts: { focus?: boolean } = {}): RunPanel {
    const existing = RunPanel.open.get(run.id);
    if (existing) {
      existing.panel.reveal(undefined, !opts.focus);
      return existing;
    }
    // New runs join the column where run panels already are, instead of splitting the editor again.
    const column = [...RunPanel.open.values()].map((p) => p.panel.viewColumn).find((c) => c !== undefined);
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      panelTitle(run.agentName, run.prompt),
      { viewColumn: column ?? vscode.ViewColumn.Beside, preserveFocus: !opts.focus },
      { enableScripts: true, localResourceRoots: panelResourceRoots(relay.context.extensionUri) },
    );
    return new RunPanel(panel, relay, run.id);
  }

  /** Re-attaches a panel VS Code restored after a reload. */
  static restore(panel: vscode.WebviewPanel, relay: Relay, state: PanelState | undefined): RunPanel {
    panel.webview.options = { enableScripts: true, localResourceRoots: panelResourceRoots(relay.context.extensionUri) };
    return new RunPanel(panel, relay, state?.runId);
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
    private readonly relay: Relay,
    private runId: string | undefined,
  ) {
    if (runId) RunPanel.open.set(runId, this);
    const extensionUri = relay.context.extensionUri;
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
        // Only the run this panel shows: a stale or forged id does nothing.
        if (msg.runId === this.runId) this.bound?.cancel();
        return;
      case 'rerunWithoutCache': {
        // Once per click, and only for an answer that really came from the cache: a fresh run is billed.
        if (msg.runId !== this.runId || this.rerunning) return;
        if (this.bound?.outcome?.fromCache === true) {
          this.rerunning = true;
          rerunWithoutCache(this.relay, this.bound);
        } else if (!this.bound && this.record?.cache === 'hit') {
          this.rerunning = true;
          rerunRecord(this.relay, this.record, { noCache: true });
        }
        return;
      }
      case 'copyAnswer':
        if (msg.runId === this.runId) void copyAnswer(this.relay, msg.runId);
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
    const run = this.bound ?? this.relay.runs.get(runId);
    if (!run) {
      void this.showFromHistory(runId, afterSeq);
      return;
    }
    if (!this.bound) this.bind(run);
    this.ready = true;
    this.pending = [];
    void this.post({ type: 'attach', run: runInfo(this.relay, run) });
    this.postEvents(runId, run.eventsAfter(afterSeq));
  }

  /** A run this window no longer holds (finished long ago, or before a reload): its transcript from the history. */
  private async showFromHistory(runId: string, afterSeq: number): Promise<void> {
    const history = this.relay.workspaceHistory();
    const record = await history?.get(runId);
    const events = record && (await history!.readEvents(runId, afterSeq));
    if (this.disposed || runId !== this.runId) return;
    if (!record || !events) {
      void this.post({ type: 'runUnavailable', runId });
      return;
    }
    this.record = record;
    this.panel.title = panelTitle(record.agentName, record.prompt);
    this.ready = true;
    void this.post({ type: 'attach', run: recordInfo(record) });
    this.postEvents(runId, events);
  }

  private postEvents(runId: string, events: readonly SeqEvent[]): void {
    for (const batch of eventBatches(events)) void this.post({ type: 'events', runId, events: batch });
  }

  private bind(run: AgentRun): void {
    this.bound = run;
    this.panel.title = panelTitle(run.label.agentName, run.label.prompt);
    this.unsubscribe.push(
      run.onEvent((e) => this.enqueue(e)),
      this.relay.runs.onDidChange((c) => {
        if (c.run === run && c.kind === 'changed' && this.ready) void this.post({ type: 'state', run: runInfo(this.relay, run) });
      }),
    );
  }

  private enqueue(e: SeqEvent): void {
    if (!this.ready) return; // the webview will ask for it on its next `ready`
    this.pending.push(e);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // The first event after a quiet spell goes at once; while a stream is fast, once a frame, in bounded messages.
    const wait = Math.max(0, this.lastFlush + FRAME_MS - Date.now());
    const flush = () => {
      this.flushScheduled = false;
      this.lastFlush = Date.now();
      const events = this.pending;
      this.pending = [];
      if (events.length && this.ready && this.runId) this.postEvents(this.runId, events);
    };
    if (wait === 0) setImmediate(flush);
    else setTimeout(flush, wait);
  }

  private post(message: HostToWebview): Thenable<boolean> {
    return this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.runId && RunPanel.open.get(this.runId) === this) RunPanel.open.delete(this.runId);
    for (const u of this.unsubscribe.splice(0)) u();
    // Closing the panel of a live (or queued) run stops it: a run nobody can see or cancel is a leak.
    if (this.bound?.isActive) this.bound.cancel();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

function panelTitle(agentName: string, prompt: string): string {
  const words = prompt.replace(/\s+/g, ' ').trim();
  return vscode.l10n.t({
    message: '{0}: {1}',
    args: [agentName, words.length > 30 ? words.slice(0, 30) + '…' : words],
    comment: "A run panel's title: {0} is the agent, {1} the start of the prompt",
  });
}
