import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { SeqEvent } from '../core/agents/events';
import type { AgentRun } from '../core/run/agentRun';
import { eventBatches } from '../shared/eventBatches';
import { renderCompareHtml } from '../shared/panelHtml';
import { assertNever, COMPARE_VIEW_TYPE, type HostToWebview, type WebviewToHost } from '../shared/protocol';
import { compareAnswers, groupRuns, groupSummary, rerunFailed } from './groups';
import { panelResourceRoots } from './panelHtml';
import type { Relay } from './relay';
import { RunPanel, runInfo } from './runPanel';

const FRAME_MS = 16;

/**
 * The compare panel of a group: a column per agent, streaming at once, and a
 * summary that fills in as runs finish. It reads the runs from the registry
 * (a group lives in the window that started it; after a reload its runs are
 * in the Runs view) and, like the run panel, posts only after `ready`.
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
    // A column's worktree changed (its diff is known, or it was applied or discarded).
    if (relay.worktreesIfUsed) this.disposables.push(relay.worktreesIfUsed.onDidChange((runId) => groupRuns(relay, groupId).some((r) => r.id === runId) && this.scheduleSummary()));
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
        if (run) RunPanel.show(this.relay, { id: run.id, ...run.label }, { focus: true });
        return;
      }
      case 'compareAnswers': {
        const ids = groupRuns(this.relay, this.groupId).map((r) => r.id);
        if (Array.isArray(msg.runIds) && msg.runIds.length === 2 && msg.runIds.every((id) => ids.includes(id))) void compareAnswers(this.relay, msg.runIds[0], msg.runIds[1]);
        return;
      }
      case 'rerunFailed':
        if (msg.groupId === this.groupId) void rerunFailed(this.relay, this.groupId);
        return;
      case 'worktree': {
        // Only a run of this group that has a worktree; a forged id or action does nothing.
        const run = groupRuns(this.relay, this.groupId).find((r) => r.id === msg.runId);
        const wt = this.relay.worktreesIfUsed;
        if (!run || !wt?.view(run.id)) return;
        const act = msg.action === 'review' ? wt.review(run.id) : msg.action === 'apply' ? wt.apply(run.id) : msg.action === 'discard' ? wt.discard(run.id) : undefined;
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
    this.postGroup(runs);
    for (const run of runs) {
      for (const batch of eventBatches(run.eventsAfter(0))) void this.post({ type: 'events', runId: run.id, events: batch });
      this.unsubscribe.push(run.onEvent((e) => this.enqueue(run, e)));
    }
  }

  private postGroup(runs: AgentRun[] = groupRuns(this.relay, this.groupId)): void {
    if (!this.ready) return;
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
