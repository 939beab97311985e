import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { SeqEvent } from '../core/agents/events';
import type { AgentRun } from '../core/run/agentRun';
import { isRunId, type HistoryRecord } from '../core/history/historyRecord';
import { groupRow, markBest } from '../core/run/groupSummary';
import { eventBatches } from '../shared/eventBatches';
import { renderCompareHtml } from '../shared/panelHtml';
import { assertNever, COMPARE_VIEW_TYPE, type HostToWebview, type WebviewToHost } from '../shared/protocol';
import { compareAnswers, groupRuns, groupSummary, rerunFailed } from './groups';
import { panelResourceRoots } from './panelHtml';
import type { Relay } from './relay';
import { RunPanel, recordInfo, runInfo } from './runPanel';

const FRAME_MS = 16;

/**
 * The compare panel of a group: a column per agent, streaming at once, and a
 * summary that fills in as runs finish. It reads the runs from the registry
 * (a group lives in the window that started it) or, restored after a reload,
 * the group's finished runs from the history; like the run panel, it posts
 * only after `ready`.
 */
export class ComparePanel implements vscode.Disposable {
  private static readonly open = new Map<string, ComparePanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private unsubscribe: Array<() => void> = [];
  private ready = false;
  private pending = new Map<string, SeqEvent[]>();
  private flushTimer: NodeJS.Timeout | undefined;
  private summaryTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  /** Set when this window does not hold the group's runs (restored after a reload): its runs from the history. */
  private fromHistory: HistoryRecord[] | undefined;
  private watchingWorktrees = false;

  static show(relay: Relay, groupId: string, prompt: string): ComparePanel {
    const existing = ComparePanel.open.get(groupId);
    if (existing) {
      existing.panel.reveal(undefined, false);
      return existing;
    }
    const words = prompt.replace(/\s+/g, ' ').trim();
    const panel = vscode.window.createWebviewPanel(
      COMPARE_VIEW_TYPE,
      vscode.l10n.t({ message: 'Compare: {0}', args: [words.length > 30 ? `${words.slice(0, 30)}…` : words], comment: "the compare panel's title; {0} is the start of the prompt" }),
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      { enableScripts: true, localResourceRoots: panelResourceRoots(relay.context.extensionUri), retainContextWhenHidden: false },
    );
    return new ComparePanel(panel, relay, groupId, prompt);
  }

  /** A compare panel VS Code restored after a reload: the group from its state, its runs from the history. */
  static async restore(panel: vscode.WebviewPanel, relay: Relay, state: unknown): Promise<void> {
    const groupId = (state as { groupId?: unknown } | undefined)?.groupId;
    if (typeof groupId !== 'string' || !isRunId(groupId) || ComparePanel.open.has(groupId)) {
      panel.dispose();
      return;
    }
    panel.webview.options = { enableScripts: true, localResourceRoots: panelResourceRoots(relay.context.extensionUri) };
    const live = groupRuns(relay, groupId)[0];
    const records = live ? [] : await relay.workspaceHistory().list().then((l) => l.records, () => []);
    const prompt = live?.label.prompt ?? groupRecords(records, groupId)[0]?.prompt;
    if (prompt === undefined) {
      panel.dispose();
      void vscode.window.showInformationMessage(vscode.l10n.t('The runs of that comparison are no longer in the run history.'));
      return;
    }
    new ComparePanel(panel, relay, groupId, prompt);
  }

  static forGroup(groupId: string): ComparePanel | undefined {
    return ComparePanel.open.get(groupId);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly relay: Relay,
    private readonly groupId: string,
    private readonly prompt: string,
  ) {
    ComparePanel.open.set(groupId, this);
    const ext = relay.context.extensionUri;
    panel.iconPath = vscode.Uri.joinPath(ext, 'media', 'icon.svg');
    panel.webview.html = renderCompareHtml({
      cspSource: panel.webview.cspSource,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(ext, 'dist', 'webview', 'compare.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(ext, 'media', 'panel.css')).toString(),
      nonce: randomBytes(16).toString('base64'),
      groupId,
    });
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: WebviewToHost) => this.onMessage(m)),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    // Runs of the group added later (Re-run failed) and every state change: the columns and summary follow.
    const off = relay.runs.onDidChange((c) => {
      if (c.run.label.group?.groupId !== groupId) return;
      if (c.kind === 'added' && this.ready) this.attach();
      else this.scheduleSummary();
    });
    this.disposables.push(new vscode.Disposable(off));
    this.watchWorktrees();
  }

  /** A column's worktree changed (its diff is known, or it was applied or discarded): the summary follows. */
  private watchWorktrees(): void {
    const wt = this.relay.worktreesIfUsed;
    if (!wt || this.watchingWorktrees) return;
    this.watchingWorktrees = true;
    this.disposables.push(wt.onDidChange((runId) => this.runIds().includes(runId) && this.scheduleSummary()));
  }

  /** The group's run ids, live or from the history. */
  private runIds(): string[] {
    return this.fromHistory?.map((r) => r.id) ?? groupRuns(this.relay, this.groupId).map((r) => r.id);
  }

  private onMessage(msg: WebviewToHost): void {
    switch (msg.type) {
      case 'ready':
        if (msg.runId === this.groupId) this.attach();
        return;
      case 'cancel':
        groupRuns(this.relay, this.groupId).find((r) => r.id === msg.runId)?.cancel();
        return;
      case 'openRun': {
        const run = groupRuns(this.relay, this.groupId).find((r) => r.id === msg.runId);
        const rec = this.fromHistory?.find((r) => r.id === msg.runId);
        if (run) RunPanel.show(this.relay, { id: run.id, ...run.label }, { focus: true });
        else if (rec) RunPanel.show(this.relay, { id: rec.id, agentName: rec.agentName, prompt: rec.prompt }, { focus: true });
        return;
      }
      case 'compareAnswers': {
        const ids = this.runIds();
        if (Array.isArray(msg.runIds) && msg.runIds.length === 2 && msg.runIds.every((id) => ids.includes(id))) void compareAnswers(this.relay, msg.runIds[0], msg.runIds[1]);
        return;
      }
      case 'rerunFailed':
        if (msg.groupId === this.groupId) void rerunFailed(this.relay, this.groupId);
        return;
      case 'worktree': {
        // Only a run of this group that has a worktree; a forged id or action does nothing.
        const id = this.runIds().find((r) => r === msg.runId);
        const wt = this.relay.worktreesIfUsed;
        if (!id || !wt?.view(id)) return;
        const act = msg.action === 'review' ? wt.review(id) : msg.action === 'apply' ? wt.apply(id) : msg.action === 'discard' ? wt.discard(id) : undefined;
        act?.catch((err) => void vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err)));
        return;
      }
      case 'rerunWithoutCache':
      case 'copyAnswer':
      case 'reply':
      case 'drawn':
      case 'exportUsage':
        return; // the run panel's (a column does not ack what it drew), or the performance view's
      default:
        assertNever(msg);
    }
  }

  /** Everything again: the columns and summary, then each run's events, and live events from here on. */
  private attach(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.pending.clear();
    const runs = groupRuns(this.relay, this.groupId);
    this.ready = true;
    if (!runs.length) {
      void this.attachFromHistory().catch((err) => {
        this.relay.logs.root.warn(`compare panel: could not read group ${this.groupId} from the history: ${err instanceof Error ? err.message : String(err)}`);
        void this.post({ type: 'runUnavailable', runId: this.groupId });
      });
      return;
    }
    this.fromHistory = undefined;
    this.postGroup(runs);
    for (const run of runs) {
      for (const batch of eventBatches(run.eventsAfter(0))) void this.post({ type: 'events', runId: run.id, events: batch });
      this.unsubscribe.push(run.onEvent((e) => this.enqueue(run, e)));
    }
  }

  /** The group's finished runs from the history: columns, summary and each run's events (worktrees shown again). */
  private async attachFromHistory(): Promise<void> {
    const history = this.relay.workspaceHistory();
    const records = groupRecords((await history.list()).records, this.groupId);
    this.fromHistory = records.length ? records : undefined;
    const events = await Promise.all(records.map(async (r) => (await history.readEvents(r.id)) ?? []));
    if (records.length) await this.relay.worktrees.adopt(records.map((r) => r.id)).catch(() => undefined);
    this.watchWorktrees();
    if (!this.ready || this.disposed) return;
    await this.postHistoryGroup(events);
    records.forEach((r, i) => {
      for (const batch of eventBatches(events[i])) void this.post({ type: 'events', runId: r.id, events: batch });
    });
  }

  private async postHistoryGroup(events?: SeqEvent[][]): Promise<void> {
    const records = this.fromHistory ?? [];
    const history = this.relay.workspaceHistory();
    const evs = events ?? (await Promise.all(records.map(async (r) => (await history.readEvents(r.id)) ?? [])));
    const wt = this.relay.worktreesIfUsed;
    const summary = markBest(
      records.map((r, i) => ({
        ...groupRow({ agentId: r.agentId, agentName: r.agentName, state: 'finished', outcome: { status: r.status, durationMs: r.durationMs, message: r.message }, firstOutputMs: r.metrics?.firstOutputMs }, evs[i].map((e) => e.event)),
        filesChanged: wt?.view(r.id)?.files,
      })),
    );
    if (!this.ready || this.disposed) return;
    void this.post({ type: 'group', groupId: this.groupId, prompt: this.prompt, columns: records.map((r) => ({ ...recordInfo(r), worktree: wt?.view(r.id) })), summary, canRerun: false });
  }

  private postGroup(runs: AgentRun[] = groupRuns(this.relay, this.groupId)): void {
    if (!this.ready) return;
    if (this.fromHistory) {
      void this.postHistoryGroup();
      return;
    }
    void this.post({ type: 'group', groupId: this.groupId, prompt: this.prompt, columns: runs.map((r) => runInfo(this.relay, r)), summary: groupSummary(this.relay, this.groupId) });
  }

  private scheduleSummary(): void {
    if (this.summaryTimer) return;
    this.summaryTimer = setTimeout(() => {
      this.summaryTimer = undefined;
      this.postGroup();
    }, 50);
  }

  private enqueue(run: AgentRun, e: SeqEvent): void {
    if (!this.ready) return;
    const list = this.pending.get(run.id) ?? [];
    list.push(e);
    this.pending.set(run.id, list);
    // One post per frame for all columns together.
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      const all = this.pending;
      this.pending = new Map();
      if (!this.ready) return;
      for (const [runId, events] of all) for (const batch of eventBatches(events)) void this.post({ type: 'events', runId, events: batch });
    }, FRAME_MS);
  }

  private post(message: HostToWebview): Thenable<boolean> {
    return this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (ComparePanel.open.get(this.groupId) === this) ComparePanel.open.delete(this.groupId);
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.summaryTimer) clearTimeout(this.summaryTimer);
    // Closing the compare panel stops the group's live runs, as closing a run panel stops its run.
    for (const run of groupRuns(this.relay, this.groupId)) if (run.isActive) run.cancel();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

/** A group's runs in the history, one per column (the latest, when a column was re-run), in column order. */
function groupRecords(records: readonly HistoryRecord[], groupId: string): HistoryRecord[] {
  const byColumn = new Map<number, HistoryRecord>();
  for (const r of records) {
    if (r.groupId !== groupId || r.groupIndex === undefined) continue;
    const had = byColumn.get(r.groupIndex);
    if (!had || had.finishedAt < r.finishedAt) byColumn.set(r.groupIndex, r);
  }
  return [...byColumn.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
}
