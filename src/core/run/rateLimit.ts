import type { RunOutcome } from '../agents/events';
import type { AgentProvider, RunContext, RunRequest } from '../agents/provider';
import { performance } from 'node:perf_hooks';
import { sleep } from '../util/sleep';

/**
 * A token bucket: `perMinute` requests a minute, refilled evenly (one token
 * every 60/perMinute s), holding at most `burst`. Requests take tokens in the
 * order they asked, each when it really has one: the time a request goes out
 * is measured after its wait, so late timers never let two requests closer
 * together than the rate allows.
 */
export class RateLimiter {
  readonly intervalMs: number;
  private tokens: number;
  private refilledAt: number;
  /** The request ahead in line (each waits for the one before it). */
  private line: Promise<unknown> = Promise.resolve();

  constructor(
    readonly perMinute: number,
    readonly burst = 1,
    private readonly now: () => number = () => performance.now(),
    private readonly wait: (ms: number, signal?: AbortSignal) => Promise<boolean> = sleep,
  ) {
    this.intervalMs = 60_000 / perMinute;
    this.tokens = Math.max(1, burst);
    this.refilledAt = this.now();
  }

  /**
   * Waits for a token, in line. `onWait` hears how long the wait will be (once,
   * when it is known, only if there is one). Resolves false when `signal`
   * aborted first; its place in line is then given up without taking a token.
   */
  acquire(signal?: AbortSignal, onWait?: (ms: number) => void): Promise<boolean> {
    const turn = this.line.then(() => this.take(signal, onWait));
    this.line = turn.catch(() => undefined);
    return turn;
  }

  /** How long a request asking now would wait, if nobody were in line. */
  get waitMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) * this.intervalMs);
  }

  private async take(signal: AbortSignal | undefined, onWait?: (ms: number) => void): Promise<boolean> {
    let told = false;
    for (;;) {
      if (signal?.aborted) return false;
      const ms = this.waitMs;
      if (ms <= 0) {
        this.tokens -= 1;
        return true;
      }
      if (!told) onWait?.(ms);
      told = true;
      if (!(await this.wait(ms, signal))) return false;
    }
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(Math.max(1, this.burst), this.tokens + (now - this.refilledAt) / this.intervalMs);
    this.refilledAt = now;
  }
}

/**
 * The window's (or the headless process's) rate limiters, one per API and base
 * URL, shared by every run to it. A changed limit starts a new schedule.
 */
export class RateLimits {
  private readonly limiters = new Map<string, RateLimiter>();

  constructor(private readonly now?: () => number) {}

  /** The limiter for `key`, or undefined when `perMinute` is 0 (no limit). */
  get(key: string, perMinute: number, burst = 1): RateLimiter | undefined {
    if (!(perMinute > 0)) {
      this.limiters.delete(key);
      return undefined;
    }
    let limiter = this.limiters.get(key);
    if (!limiter || limiter.perMinute !== perMinute || limiter.burst !== burst) {
      limiter = new RateLimiter(perMinute, burst, this.now);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }
}

/** Waits for the limiter before each request of `inner` (each attempt, when inside the retry layer), saying so when it must. */
export class RateLimitedProvider implements AgentProvider {
  constructor(
    private readonly inner: AgentProvider,
    private readonly limiter: RateLimiter,
    private readonly detail: string,
  ) {}

  get id(): string {
    return this.inner.id;
  }

  get displayName(): string {
    return this.inner.displayName;
  }

  async run(request: RunRequest, ctx: RunContext): Promise<RunOutcome> {
    const started = Date.now();
    const go = await this.limiter.acquire(ctx.signal, (delayMs) => ctx.emit({ type: 'waiting', reason: 'rate-limit', delayMs, detail: this.detail }));
    if (!go) return { status: ctx.signal.reason === 'timed-out' ? 'timed-out' : 'cancelled', durationMs: Date.now() - started };
    return this.inner.run(request, ctx);
  }
}
