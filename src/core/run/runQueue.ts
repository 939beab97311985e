import pLimit, { type LimitFunction } from 'p-limit';
import type { AgentRun } from './agentRun';

export interface RunQueueOptions {
  /** Runs at once across all agents (`agentRelay.run.maxConcurrent`). */
  maxConcurrent: number;
  /** Optional limits per agent id; an agent without one shares only the global limit. */
  perAgent?: Readonly<Record<string, number>>;
}

/**
 * Starts runs under a global concurrency limit (p-limit) and optional limits
 * per agent. A run waiting for its agent's limit does not hold a global slot:
 * it queues for the global limit only once its agent has room. Our own list
 * of waiting runs gives each its place in line (for the panel) and lets one be
 * cancelled without anything starting: a cancelled run is finished at once,
 * and its turn in p-limit, when it comes, does nothing.
 */
export class RunQueue {
  private readonly global: LimitFunction;
  private readonly agents = new Map<string, LimitFunction>();
  private perAgent: Readonly<Record<string, number>>;
  private readonly waiting: AgentRun[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(opts: RunQueueOptions) {
    this.global = pLimit(clampLimit(opts.maxConcurrent));
    this.perAgent = opts.perAgent ?? {};
  }

  /** Applies at once, also to runs already waiting. */
  setMaxConcurrent(n: number): void {
    this.global.concurrency = clampLimit(n);
  }

  get maxConcurrent(): number {
    return this.global.concurrency;
  }

  /** New per-agent limits apply to runs queued from now on, and to waiting runs of agents whose limit only changed in size. */
  setPerAgent(limits: Readonly<Record<string, number>>): void {
    this.perAgent = limits;
    for (const [id, limit] of this.agents) {
      const n = limits[id];
      if (n > 0) limit.concurrency = clampLimit(n);
    }
  }

  /** Queues a run; it starts when the limits allow. */
  enqueue(run: AgentRun): void {
    if (run.state !== 'queued') return;
    this.waiting.push(run);
    run.onState(() => this.leave(run));
    const turn = () =>
      this.global(async () => {
        this.leave(run);
        if (run.state === 'queued') await run.start();
      });
    const agentLimit = this.agentLimit(run.agentId);
    void (agentLimit ? agentLimit(turn) : turn());
    this.changed();
  }

  /** 1 for the next run to start, undefined when the run is not waiting. */
  positionOf(run: AgentRun): number | undefined {
    const i = this.waiting.indexOf(run);
    return i < 0 ? undefined : i + 1;
  }

  /** The runs waiting, next first. */
  waitingRuns(): readonly AgentRun[] {
    return this.waiting;
  }

  get runningCount(): number {
    return this.global.activeCount;
  }

  /** Fires when runs join or leave the line (positions changed). */
  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Cancels every waiting run: nothing of them starts. */
  drop(): void {
    for (const run of [...this.waiting]) run.cancel();
    this.global.clearQueue();
    for (const l of this.agents.values()) l.clearQueue();
  }

  private agentLimit(agentId: string): LimitFunction | undefined {
    const n = this.perAgent[agentId];
    if (!(n > 0)) return undefined;
    let limit = this.agents.get(agentId);
    if (!limit) this.agents.set(agentId, (limit = pLimit(clampLimit(n))));
    return limit;
  }

  private leave(run: AgentRun): void {
    const i = this.waiting.indexOf(run);
    if (i < 0) return;
    this.waiting.splice(i, 1);
    this.changed();
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

function clampLimit(n: number): number {
  return Number.isFinite(n) && n >= 1 ? Math.floor(n) : 1;
}
