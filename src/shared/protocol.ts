// The one protocol between the extension host and the run panel's webview.
// Both bundles import these types; nothing else crosses the boundary.
import type { SeqEvent } from '../core/agents/events';
import type { PanelEvent } from './transcript';
import type { GroupRow } from '../core/run/groupSummary';
import type { DailyRowOf, LedgerRow } from '../core/metrics/rows';

/** An event as the panel receives it: a run's event, or the marker of a new turn, numbered across the conversation. */
export type PanelSeqEvent = Omit<SeqEvent, 'event'> & { event: PanelEvent };

/** What the panel shows about the run it is bound to, besides its events. */
export interface RunInfo {
  runId: string;
  agentId: string;
  agentName: string;
  /** The user's prompt (without attached context), shortened for the header. */
  prompt: string;
  /** Label of the attached context, if any ("src/app.ts:10-24"). */
  context?: string;
  createdAt: number;
  /** When it left the queue and started. */
  startedAt?: number;
  state: 'queued' | 'running' | 'finished';
  /** Its place in the queue while it waits (1 = next to start). */
  queuePosition?: number;
  /** Whether Run Again Without Cache can be offered (this window can start it again). */
  canRerun?: boolean;
  /** Turns so far (1 for a single run). `state`, `startedAt` and `queuePosition` are the latest turn's. */
  turns?: number;
  /** Whether the reply box takes a follow-up now, and if not, why (shown beside it). */
  reply?: { enabled: boolean; reason?: string };
  /** A run of several agents that may edit: its git worktree (compare panel). */
  worktree?: WorktreeView;
}

/** A run's worktree as the compare panel shows it. */
export interface WorktreeView {
  path: string;
  branch: string;
  /** `running`: its run goes on; `ready`: finished, waiting for Review, Apply or Discard. */
  state: 'running' | 'ready' | 'applied' | 'discarded' | 'conflict';
  /** "2 files changed, +10 −3", once the run finished. */
  stat?: string;
  files?: number;
  /** What conflicted, when an Apply did. */
  message?: string;
}

export type HostToWebview =
  /** Host → webview, answering `ready`: which run this panel shows. */
  | { type: 'attach'; run: RunInfo }
  /** Host → webview: the run's state or place in the queue changed. */
  | { type: 'state'; run: RunInfo }
  /** Host → webview: run events in order; `seq` numbers are dense, so a gap means something was missed. */
  | { type: 'events'; runId: string; events: PanelSeqEvent[] }
  /** Host → webview: the follow-up could not be sent (the reply box keeps its text and shows this). */
  | { type: 'replyRefused'; runId: string; message: string }
  /**
   * Host → compare panel: the group's columns (each run's state) and its summary, on `ready` and as runs
   * change. `canRerun: false` for a group restored from the history (only the window that started a
   * group holds what re-running it needs).
   */
  | { type: 'group'; groupId: string; prompt: string; columns: RunInfo[]; summary: GroupRow[]; canRerun?: boolean }
  /** Host → webview, answering `ready`: neither this window nor the history holds the run (deleted, or it never finished). */
  | { type: 'runUnavailable'; runId: string }
  /** Host → Performance & Usage view: the workspace's figures from the run history, on `ready` and as it changes. */
  | { type: 'performance'; daily: Array<DailyRowOf<string>>; ledger: LedgerRow[]; runs: number };

export type WebviewToHost =
  /**
   * Webview → host, when its script has loaded (also after being hidden and
   * shown, or restored after a reload) and when it sees a gap in sequence
   * numbers: send the events after `afterSeq`. Nothing is posted before this.
   */
  | { type: 'ready'; runId?: string; afterSeq: number }
  /**
   * Webview → host, after a frame that drew events: the last seq drawn and
   * when (`performance.timeOrigin + performance.now()`), for forwarding latency.
   */
  | { type: 'drawn'; runId: string; seq: number; at: number }
  /** Webview → host: the user pressed Cancel. */
  | { type: 'cancel'; runId: string }
  /** Webview → host: the answer came from the cache and the user wants a fresh one. */
  | { type: 'rerunWithoutCache'; runId: string }
  /** Webview → host: put the whole answer on the clipboard (the webview draws only part of it). */
  | { type: 'copyAnswer'; runId: string }
  /** Webview → host: a follow-up from the reply box, as the next turn of this conversation. */
  | { type: 'reply'; runId: string; text: string }
  /** Compare panel → host: open a column's run in its own run panel. */
  | { type: 'openRun'; runId: string }
  /** Compare panel → host: two answers in VS Code's diff editor. */
  | { type: 'compareAnswers'; runIds: [string, string] }
  /** Compare panel → host: a column's worktree: the changes editor, apply to the working tree, or remove it. */
  | { type: 'worktree'; runId: string; action: 'review' | 'apply' | 'discard' }
  /** Performance & Usage view → host: write the figures to a file the user picks. */
  | { type: 'exportUsage' }
  /** Compare panel → host: ask the agents whose runs did not succeed again. */
  | { type: 'rerunFailed'; groupId: string };

/**
 * State the webview keeps with `setState`: which run, and where it was
 * scrolled to (a row and how far into it; none while it follows the end). The
 * events are not saved: a restored panel asks the host for them again.
 */
export interface PanelState {
  runId: string;
  run?: RunInfo;
  anchor?: { row: number; delta: number };
}

export const VIEW_TYPE = 'agentRelay.run';
export const COMPARE_VIEW_TYPE = 'agentRelay.compare';
export const PERFORMANCE_VIEW_TYPE = 'agentRelay.performance';

/** Exhaustiveness check for `switch (msg.type)`. */
export function assertNever(value: never): never {
  throw new Error(`unexpected message ${JSON.stringify(value)}`);
}
