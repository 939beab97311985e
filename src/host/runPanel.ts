import * as vscode from 'vscode';
import type { AgentRun } from '../core/run/agentRun';
import { assertNever, VIEW_TYPE, type HostToWebview, type PanelSeqEvent, type PanelState, type RunInfo, type WebviewToHost } from '../shared/protocol';
import { conversationTurns, replyBlocker, sendFollowUp, turnEvents, type ConversationTurn } from './conversations';
import { UserInputError } from '../core/run/prompt';
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

/**
 * Live events go to the webview as soon as it has drawn the ones before (its
 * `drawn` ack), so a fast stream costs it one message per frame it draws, not
 * one per chunk, and a slow webview gets fewer, larger messages. Without an
 * ack (a webview that cannot draw now), they go after this long anyway.
 */
const ACK_WAIT_MS = 100;

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
    worktree: relay.worktreesIfUsed?.view(r.id),
  };
}

/**
 * The webview panel of one run, or of a conversation (the turns that follow
 * up on a first run, whose id names the panel), read from the run registry and
 * the history. The webview is not kept alive while hidden, so `postMessage`
 * would silently drop events then; instead the panel posts only after the
 * webview said `ready`, and every `ready` (first load, shown again, restored
 * after reload, or a detected gap) is answered with the events after the
 * sequence number the webview already has. The turns' events are numbered as
 * one stream: a turn's marker, then its events, after the turn before.
 */
export class RunPanel implements vscode.Disposable {
  private static readonly open = new Map<string, RunPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private unsubscribe: Array<() => void> = [];
  private ready = false;
  private pending: PanelSeqEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private flushQueued = false;
  /** Events were posted and the webview has not said it drew them. */
  private awaitingAck = false;
  /** The latest turn, while this window's registry holds it. */
  private bound: AgentRun | undefined;
  /** The turns shown, oldest first, and where each one's events start in the panel's stream. */
  private turns: ConversationTurn[] = [];
  private offsets: number[] = [];
  /** The panel seq of each turn's last event, for turns read from the history (the registry's know their own). */
  private ends: number[] = [];
  /** The first turn's record, when it is no longer in this window's registry. */
  private record: HistoryRecord | undefined;
  private rerunning = false;
  private replying = false;
  private disposed = false;
  private readonly loggedForwarding = new Set<string>();
  /** Each `ready` gets a number; a slower answer to an older one is dropped. */
  private generation = 0;

  /** Opens a panel for a run (or conversation) of the registry or the history, or shows the one already open for it. */
  static show(relay: Relay, run: { id: string; agentName: string; prompt: string; conversation?: { conversationId: string } }, opts: { focus?: boolean } = {}): RunPanel {
    const id = run.conversation?.conversationId ?? run.id;
    const existing = RunPanel.open.get(id);
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
    return new RunPanel(panel, relay, id);
  }

  /**
   * Re-attaches a panel VS Code restored after a reload. The webview's saved
   * state can be missing (a reload that came before the workbench stored it, as
   * happens in a browser): then the panel's title names the run, and the newest
   * run of the history with that title is the one it showed.
   */
  static async restore(panel: vscode.WebviewPanel, relay: Relay, state: PanelState | undefined): Promise<RunPanel> {
    panel.webview.options = { enableScripts: true, localResourceRoots: panelResourceRoots(relay.context.extensionUri) };
    const runId = state?.runId ?? (await runTitled(relay, panel.title));
    if (!state?.runId) relay.logs.root.info(`run panel restored without its saved state; ${runId ? `its title names run ${runId}` : 'no run of the history has its title'}`);
    return new RunPanel(panel, relay, runId);
  }

  /** The panel showing this run, or the conversation it is a turn of. */
  static forRun(runId: string, conversationId?: string): RunPanel | undefined {
    return RunPanel.open.get(conversationId ?? runId) ?? RunPanel.open.get(runId);
  }

  /** The run shown in the active panel (a conversation's latest turn), if a run panel is active. */
  static activeRunId(): string | undefined {
    for (const [runId, p] of RunPanel.open) if (p.panel.active) return p.turns.at(-1)?.runId ?? runId;
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
    // A new turn of this conversation (a follow-up sent from here, the API or the headless-like commands) joins the panel.
    this.unsubscribe.push(
      relay.runs.onDidChange((c) => {
        if (c.kind === 'added' && this.runId && c.run.label.conversation?.conversationId === this.runId) this.addTurn(c.run);
      }),
    );
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  private onMessage(msg: WebviewToHost): void {
    switch (msg.type) {
      case 'ready':
        this.bound?.forwarding.reset(); // what it draws next is a replay, not forwarding
        return void this.onReady(msg.runId ?? this.runId, msg.afterSeq);
      case 'drawn':
        if (msg.runId !== this.runId) return;
        this.awaitingAck = false;
        if (this.pending.length && !this.flushQueued) this.flush();
        this.onDrawn(msg.seq, msg.at);
        return;
      case 'cancel':
        // Only the run this panel shows: a stale or forged id does nothing.
        if (msg.runId === this.runId) this.bound?.cancel();
        return;
      case 'rerunWithoutCache': {
        // Once per click, and only for an answer that really came from the cache: a fresh run is billed.
        if (msg.runId !== this.runId || this.rerunning || this.turns.length > 1) return;
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
        // The latest turn's answer.
        if (msg.runId === this.runId) void copyAnswer(this.relay, this.turns.at(-1)?.runId ?? msg.runId);
        return;
      case 'reply':
        if (msg.runId === this.runId && typeof msg.text === 'string') void this.reply(msg.text);
        return;
      case 'openRun':
      case 'compareAnswers':
      case 'rerunFailed':
      case 'worktree':
      case 'exportUsage':
        return; // the compare panel's or the performance view's
      default:
        assertNever(msg);
    }
  }

  private async reply(text: string): Promise<void> {
    // One follow-up at a time: a second Enter while the first is being planned does nothing.
    if (this.replying || !this.runId) return;
    this.replying = true;
    try {
      await sendFollowUp(this.relay, this.runId, text);
    } catch (err) {
      if (!(err instanceof UserInputError)) this.relay.logs.root.warn(`follow-up failed: ${err instanceof Error ? err.stack : String(err)}`);
      if (this.runId) void this.post({ type: 'replyRefused', runId: this.runId, message: err instanceof Error ? err.message : String(err) });
    } finally {
      this.replying = false;
      this.postState();
    }
  }

  private async onReady(runId: string | undefined, afterSeq: number): Promise<void> {
    if (!runId) {
      // Restored with neither its saved state nor a title the history knows: say so instead of staying blank.
      void this.post({ type: 'runUnavailable', runId: '' });
      return;
    }
    if (runId !== this.runId) {
      if (this.runId) RunPanel.open.delete(this.runId);
      this.runId = runId;
      RunPanel.open.set(runId, this);
    }
    const generation = ++this.generation;
    // The history is listed once per panel: later turns of this window join through the registry (addTurn).
    const turns = this.turns.length && this.turns[0].runId === runId ? [...this.turns] : await conversationTurns(this.relay, runId);
    // The earlier turns' events (from the history, for turns this window no longer holds).
    const finished = await Promise.all(turns.slice(0, -1).map((t) => turnEvents(this.relay, t)));
    const lastTurn = turns.at(-1);
    const lastEvents = lastTurn && !lastTurn.run ? await turnEvents(this.relay, lastTurn) : undefined;
    if (this.disposed || runId !== this.runId || generation !== this.generation) return;
    if (!lastTurn || (!lastTurn.run && !lastEvents?.length)) {
      void this.post({ type: 'runUnavailable', runId });
      return;
    }
    this.turns = turns;
    this.record = turns[0].record;
    this.panel.title = panelTitle(turns[0].agentName, turns[0].prompt);
    // From here on synchronous: the live turn's log and its subscription see the same events.
    const out: PanelSeqEvent[] = [];
    this.offsets = [];
    this.ends = [];
    let base = 0;
    turns.forEach((t, i) => {
      if (i > 0) out.push({ seq: ++base, at: 0, event: turnMarker(t) });
      this.offsets[i] = base;
      const events = i < turns.length - 1 ? finished[i] : (t.run?.eventsAfter(0) ?? lastEvents ?? []);
      for (const e of events) out.push({ seq: base + e.seq, at: e.at, event: e.event });
      base += events.length;
      this.ends[i] = base;
    });
    this.rebind(lastTurn.run);
    this.ready = true;
    this.pending = [];
    this.awaitingAck = false;
    void this.post({ type: 'attach', run: this.info() });
    this.postEvents(runId, afterSeq ? out.filter((e) => e.seq > afterSeq) : out);
    // A turn that was submitted while the history was being read joins now.
    for (const run of this.relay.runs.all()) if (run.label.conversation?.conversationId === runId) this.addTurn(run);
  }

  /** A follow-up turn was submitted: its marker, then its events, after the turn before. */
  private addTurn(run: AgentRun): void {
    if (this.turns.some((t) => t.runId === run.id)) return;
    const prev = this.turns.length - 1;
    // Before the webview has loaded the conversation, its `ready` will.
    if (prev < 0) return;
    const prevRun = this.turns[prev].run;
    if (prevRun?.isActive) return; // follow-ups wait for the turn before; this would be a bug
    const base = (prevRun ? this.offsets[prev] + prevRun.lastSeq : this.ends[prev]) + 1;
    const turn: ConversationTurn = {
      runId: run.id,
      turn: run.label.conversation!.turn,
      replaces: run.label.conversation!.replaces,
      note: run.label.conversation!.note,
      agentId: run.agentId,
      agentName: run.label.agentName,
      prompt: run.label.prompt,
      fullPrompt: run.request.prompt,
      cwd: run.request.cwd,
      run,
    };
    this.turns.push(turn);
    this.offsets.push(base);
    this.ends.push(base);
    this.enqueue({ seq: base, at: 0, event: turnMarker(turn) });
    this.rebind(run);
    this.postState();
  }

  private rebind(run: AgentRun | undefined): void {
    if (this.bound === run) return;
    // Keep the conversation's own subscription (the first one); drop the previous turn's.
    for (const u of this.unsubscribe.splice(1)) u();
    this.bound = run;
    if (!run) return;
    const offset = this.offsets[this.turns.length - 1] ?? 0;
    this.unsubscribe.push(
      run.onEvent((e, receivedAt) => {
        if (this.ready) run.forwarding.sent(e.seq, receivedAt);
        this.enqueue(offset ? { seq: offset + e.seq, at: e.at, event: e.event } : e);
      }),
      this.relay.runs.onDidChange((c) => {
        if (c.run === run && c.kind === 'changed') this.postState();
      }),
    );
  }

  /** The webview drew the panel's events up to `seq` (its stamp `at`): the live turn's forwarding latency. */
  private onDrawn(seq: number, at: number): void {
    const run = this.bound;
    if (!run || !Number.isFinite(seq) || !Number.isFinite(at)) return;
    const offset = this.offsets[this.turns.length - 1] ?? 0;
    if (!run.forwarding.drawn(seq - offset, at) || run.isActive || !run.forwarding.settled) return;
    // The run is over and its last event drawn: one line with the figures, for the log and bug reports.
    const s = run.forwarding.latency.summary();
    if (s && !this.loggedForwarding.has(run.id)) {
      this.loggedForwarding.add(run.id);
      this.relay.logs.forRun(run.id).info(`forwarding latency to the panel: p50 ${s.p50} ms, p95 ${s.p95} ms, p99 ${s.p99} ms, max ${s.max} ms over ${s.count} events`);
    }
  }

  /** What the header, footer and reply box show: the first turn's words, the latest turn's state. */
  private info(): RunInfo {
    const first = this.turns[0];
    const base = this.bound ? runInfo(this.relay, this.bound) : this.record && this.turns.length === 1 ? recordInfo(this.record) : lastInfo(this.turns.at(-1)!);
    const blocker = this.replying ? 'Sending…' : replyBlocker(this.relay, this.turns);
    return {
      ...base,
      runId: this.runId ?? base.runId,
      prompt: first?.prompt ?? base.prompt,
      context: first?.context,
      canRerun: this.turns.length <= 1 && base.canRerun,
      turns: this.turns.length,
      reply: { enabled: !blocker, reason: blocker },
    };
  }

  private postState(): void {
    if (this.ready && this.turns.length) void this.post({ type: 'state', run: this.info() });
  }

  private postEvents(runId: string, events: readonly PanelSeqEvent[]): void {
    for (const batch of eventBatches(events)) void this.post({ type: 'events', runId, events: batch });
  }

  private enqueue(e: PanelSeqEvent): void {
    if (!this.ready) return; // the webview will ask for it on its next `ready`
    this.pending.push(e);
    if (this.flushTimer !== undefined || this.flushQueued) return;
    // Paced by the webview: while it has not drawn what was posted last, events gather (into
    // bounded messages) until its ack; a webview that does not ack gets them a moment later anyway.
    if (this.awaitingAck) this.flushTimer = setTimeout(() => this.flush(), ACK_WAIT_MS);
    else {
      this.flushQueued = true;
      setImmediate(() => this.flush()); // the rest of this chunk of output joins them
    }
  }

  private flush(): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushQueued = false;
    const events = this.pending;
    this.pending = [];
    if (!events.length || !this.ready || !this.runId) return;
    this.awaitingAck = true;
    this.postEvents(this.runId, events);
  }

  private post(message: HostToWebview): Thenable<boolean> {
    return this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    if (this.runId && RunPanel.open.get(this.runId) === this) RunPanel.open.delete(this.runId);
    for (const u of this.unsubscribe.splice(0)) u();
    // Closing the panel of a live (or queued) run stops it: a run nobody can see or cancel is a leak.
    if (this.bound?.isActive) this.bound.cancel();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

function turnMarker(t: ConversationTurn): PanelSeqEvent['event'] {
  return { type: 'turn', turn: t.turn, prompt: t.prompt, note: t.note };
}

/** A finished turn read from the history, as the panel's state. */
function lastInfo(t: ConversationTurn): RunInfo {
  return t.record ? recordInfo(t.record) : { runId: t.runId, agentId: t.agentId, agentName: t.agentName, prompt: t.prompt, createdAt: 0, state: 'finished' };
}

/** The newest run (of this window, then of the history) whose panel has this title. */
async function runTitled(relay: Relay, title: string): Promise<string | undefined> {
  const live = relay.runs.all().filter((r) => panelTitle(r.label.agentName, r.label.prompt) === title);
  if (live.length) return live[live.length - 1].id;
  const listing = await relay.workspaceHistory().list().catch(() => undefined);
  return listing?.records.find((r) => panelTitle(r.agentName, r.prompt) === title)?.id;
}

function panelTitle(agentName: string, prompt: string): string {
  const words = prompt.replace(/\s+/g, ' ').trim();
  return vscode.l10n.t({
    message: '{0}: {1}',
    args: [agentName, words.length > 30 ? words.slice(0, 30) + '…' : words],
    comment: "A run panel's title: {0} is the agent, {1} the start of the prompt",
  });
}
