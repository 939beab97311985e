import type { AgentEvent, RunOutcome } from '../agents/events';
import type { AgentProvider, RunContext, RunRequest } from '../agents/provider';
import { sleep as abortableSleep } from '../util/sleep';

export interface RetryOptions {
  /** Retries after the first attempt (`agentRelay.run.retries`); 0 = none. */
  retries: number;
  /** First backoff step; each retry doubles it (default 1 s). */
  baseDelayMs?: number;
  /** Longest backoff, and the most a server's Retry-After is honoured for (default 30 s). */
  maxDelayMs?: number;
  /** [0, 1) source for the jitter (tests pin it). */
  random?: () => number;
  /** Abortable wait (tests make it instant); resolves false when aborted. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<boolean>;
}

/** Events that are part of the answer: once one arrived, the attempt is not repeated. */
function isAnswer(e: AgentEvent): boolean {
  return e.type === 'text' || e.type === 'thinking' || e.type === 'tool-use' || e.type === 'tool-result';
}

/**
 * How long to wait before retry number `retry` (1 for the first): what the
 * server asked for (capped), else exponential backoff with full jitter, so
 * that runs failing together do not retry together.
 */
export function retryDelayMs(retry: number, transient: NonNullable<RunOutcome['transient']>, opts: RetryOptions, random = opts.random ?? Math.random): number {
  const max = opts.maxDelayMs ?? 30_000;
  if (transient.afterMs !== undefined) return Math.min(Math.max(0, transient.afterMs), max);
  const ceiling = Math.min(max, (opts.baseDelayMs ?? 1000) * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Runs an attempt again when it failed transiently (`outcome.transient`) before
 * any of the answer arrived: never after text or a tool call, never for the
 * user's cancel or the time limit, at most `retries` times. Between attempts
 * it emits a `retry` event and waits, abortably. An attempt's `error` events
 * are held back until it is clear whether it is retried, so a failure that a
 * retry mends is not shown as one (its reason is in the `retry` event).
 */
export class RetryingProvider implements AgentProvider {
  constructor(
    private readonly inner: AgentProvider,
    private readonly opts: RetryOptions,
  ) {}

  get id(): string {
    return this.inner.id;
  }

  get displayName(): string {
    return this.inner.displayName;
  }

  async run(request: RunRequest, ctx: RunContext): Promise<RunOutcome> {
    const started = Date.now();
    const maxAttempts = Math.max(0, Math.floor(this.opts.retries)) + 1;
    const wait = this.opts.sleep ?? abortableSleep;
    for (let attempt = 1; ; attempt++) {
      let answered = false;
      const held: AgentEvent[] = [];
      const emit = (e: AgentEvent) => {
        if (!answered && e.type === 'error') return void held.push(e);
        if (!answered && isAnswer(e)) {
          answered = true;
          for (const h of held.splice(0)) ctx.emit(h);
        }
        ctx.emit(e);
      };
      const outcome = await this.inner.run(request, { ...ctx, emit });
      const transient = outcome.status === 'failed' && !answered && !ctx.signal.aborted ? outcome.transient : undefined;
      if (!transient || attempt >= maxAttempts) {
        for (const h of held) ctx.emit(h);
        return attempt > 1 ? { ...outcome, attempts: attempt } : outcome;
      }
      const delayMs = retryDelayMs(attempt, transient, this.opts);
      ctx.logger.info(`attempt ${attempt} of ${maxAttempts} failed (${transient.reason}); retrying in ${delayMs} ms`);
      ctx.emit({ type: 'retry', attempt: attempt + 1, maxAttempts, delayMs, reason: transient.reason });
      if (!(await wait(delayMs, ctx.signal))) {
        const status = ctx.signal.reason === 'timed-out' ? 'timed-out' : 'cancelled';
        return { status, durationMs: Date.now() - started, attempts: attempt };
      }
    }
  }
}
