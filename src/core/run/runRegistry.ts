import type { AgentRun } from './agentRun';
import type { RunQueue } from './runQueue';

/** How the host should show a new run (the registry only passes it on). */
export interface RunPresentation {
  /** Open a panel for it (VS Code). */
  showPanel?: boolean;
}

export type RunChange =
  | { kind: 'added'; run: AgentRun; presentation: RunPresentation }
  /** State or place in the queue changed. */
  | { kind: 'changed'; run: AgentRun }
  /** Dropped from memory (the bound on finished runs). */
  | { kind: 'removed'; run: AgentRun };

export interface RunRegistryOptions {
  queue: RunQueue;
  /** Finished runs kept in memory with their logs (the newest); default 50. */
  maxFinished?: number;
  /** And at most this much of their text, roughly (the newest run is always kept); default 64 MB. */
  maxFinishedChars?: number;
}

/**
 * The single source of truth about runs in this window (or headless process):
 * every run, queued, running or finished, by id, in the order they were
 * asked for. Views, the status bar, the API and the headless CLI read from it
 * and subscribe to its changes; none keeps a copy. What it holds is bounded:
 * the newest finished runs stay, older ones are dropped.
 */
export class RunRegistry {
  private readonly runs = new Map<string, AgentRun>();
  /** Finished runs still held, oldest first, and roughly how much they hold. */
  private readonly finished: AgentRun[] = [];
  private finishedChars = 0;
  private readonly listeners = new Set<(change: RunChange) => void>();
  private readonly maxFinished: number;
  private readonly maxFinishedChars: number;
  private disposed = false;

  constructor(private readonly opts: RunRegistryOptions) {
    this.maxFinished = opts.maxFinished ?? 50;
    this.maxFinishedChars = opts.maxFinishedChars ?? 64 * 1024 * 1024;
    // Places in line moved: every waiting run's panel says so.
    opts.queue.onDidChange(() => {
      if (this.listeners.size) for (const run of opts.queue.waitingRuns()) this.fire({ kind: 'changed', run });
    });
  }

  get queue(): RunQueue {
    return this.opts.queue;
  }

  /** Adds a run and queues it. Throws after dispose (the window is closing). */
  submit(run: AgentRun, presentation: RunPresentation = {}): AgentRun {
    if (this.disposed) throw new Error('Agent Relay is shutting down; the run was not started.');
    this.runs.set(run.id, run);
    run.onState(() => {
      this.fire({ kind: 'changed', run });
      if (run.state === 'finished') this.held(run);
    });
    this.fire({ kind: 'added', run, presentation });
    this.opts.queue.enqueue(run);
    return run;
  }

  get(id: string): AgentRun | undefined {
    return this.runs.get(id);
  }

  /** Every run held, oldest first. */
  all(): AgentRun[] {
    return [...this.runs.values()];
  }

  /** Queued and running runs, oldest first. */
  active(): AgentRun[] {
    return this.all().filter((r) => r.isActive);
  }

  /** 1 for the next run to start; undefined when the run is not waiting. */
  queuePosition(run: AgentRun): number | undefined {
    return this.opts.queue.positionOf(run);
  }

  onDidChange(listener: (change: RunChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drops a finished run from memory (the user deleted it); false for a run still queued or running. */
  forget(id: string): boolean {
    const run = this.runs.get(id);
    if (!run || run.isActive) return false;
    this.runs.delete(id);
    const i = this.finished.indexOf(run);
    if (i >= 0) {
      this.finished.splice(i, 1);
      this.finishedChars -= run.metrics.logChars;
    }
    this.fire({ kind: 'removed', run });
    return true;
  }

  /** The window is closing: nothing queued starts, every running tree is killed now. */
  dispose(): void {
    this.disposed = true;
    this.opts.queue.drop();
    for (const run of this.runs.values()) if (run.isActive) run.killNow();
    this.listeners.clear();
  }

  /** Keeps the newest finished runs within both bounds (the newest always stays). */
  private held(run: AgentRun): void {
    this.finished.push(run);
    this.finishedChars += run.metrics.logChars;
    while (this.finished.length > 1 && (this.finished.length > this.maxFinished || this.finishedChars > this.maxFinishedChars)) {
      const old = this.finished.shift()!;
      this.finishedChars -= old.metrics.logChars;
      this.runs.delete(old.id);
      this.fire({ kind: 'removed', run: old });
    }
  }

  private fire(change: RunChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // a listener's bug must not break the registry
      }
    }
  }
}
