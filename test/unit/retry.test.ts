import * as assert from 'node:assert/strict';
import type { AgentEvent, RunOutcome } from '../../src/core/agents/events';
import type { AgentProvider, RunContext } from '../../src/core/agents/provider';
import { isTransientStatus, statusReason, transientNetworkReason, transientReasonInText } from '../../src/core/agents/transient';
import { transientCliFailure } from '../../src/core/cli/cliProvider';
import { retryAfterMs } from '../../src/core/http/httpClient';
import { nullLogger } from '../../src/core/log';
import { RateLimitedProvider, RateLimiter, RateLimits } from '../../src/core/run/rateLimit';
import { retryDelayMs, RetryingProvider } from '../../src/core/run/retry';

/** A provider that plays one scripted attempt per call. */
function attempts(...scripts: Array<(emit: (e: AgentEvent) => void) => RunOutcome>): AgentProvider & { calls: number } {
  const p = {
    id: 'fake',
    displayName: 'Fake',
    calls: 0,
    run: async (_r: unknown, ctx: RunContext) => scripts[Math.min(p.calls++, scripts.length - 1)](ctx.emit),
  };
  return p;
}
const failed = (reason?: string, afterMs?: number): RunOutcome => ({ status: 'failed', message: 'boom', durationMs: 1, ...(reason ? { transient: { reason, afterMs } } : {}) });
const ok: RunOutcome = { status: 'succeeded', durationMs: 1 };

async function run(provider: AgentProvider, opts: { retries: number; signal?: AbortSignal }) {
  const events: AgentEvent[] = [];
  const waits: number[] = [];
  const outcome = await new RetryingProvider(provider, {
    retries: opts.retries,
    random: () => 0.5,
    sleep: async (ms, signal) => (waits.push(ms), !signal.aborted),
  }).run({ prompt: 'p', cwd: '/', options: {} }, { emit: (e) => events.push(e), signal: opts.signal ?? new AbortController().signal, logger: nullLogger });
  return { outcome, events, waits };
}

describe('retries', () => {
  it('retries a transient failure before any answer, and shows the retry instead of the error', async () => {
    const p = attempts(
      (emit) => (emit({ type: 'error', message: 'HTTP 529 overloaded' }), failed('529 overloaded', 1000)),
      (emit) => (emit({ type: 'text', text: 'hi' }), ok),
    );
    const { outcome, events, waits } = await run(p, { retries: 2 });
    assert.equal(outcome.status, 'succeeded');
    assert.equal(outcome.attempts, 2);
    assert.equal(p.calls, 2);
    assert.deepEqual(waits, [1000], 'the server\'s Retry-After is honoured');
    assert.deepEqual(events.map((e) => e.type), ['retry', 'text']);
    assert.deepEqual(events[0], { type: 'retry', attempt: 2, maxAttempts: 3, delayMs: 1000, reason: '529 overloaded' });
  });

  it('never retries once the answer started, nor a failure that is not transient, nor after the last attempt', async () => {
    const afterText = attempts((emit) => (emit({ type: 'text', text: 'par' }), failed('connection reset')));
    assert.equal((await run(afterText, { retries: 2 })).outcome.status, 'failed');
    assert.equal(afterText.calls, 1);

    const afterTool = attempts((emit) => (emit({ type: 'tool-use', id: 't', name: 'Bash', input: {} }), failed('503')));
    await run(afterTool, { retries: 2 });
    assert.equal(afterTool.calls, 1, 'a run is never retried after a tool call started');

    const auth = attempts((emit) => (emit({ type: 'error', message: 'HTTP 401' }), failed()));
    const r = await run(auth, { retries: 2 });
    assert.equal(auth.calls, 1);
    assert.deepEqual(r.events.map((e) => e.type), ['error'], 'the held-back error is shown when there is no retry');

    const always = attempts(() => failed('503'));
    const last = await run(always, { retries: 2 });
    assert.equal(always.calls, 3);
    assert.equal(last.outcome.attempts, 3);
    assert.equal(last.events.filter((e) => e.type === 'retry').length, 2);
  });

  it('stops waiting when cancelled during the backoff', async () => {
    const controller = new AbortController();
    const p = attempts(() => failed('503'));
    const outcome = await new RetryingProvider(p, {
      retries: 3,
      sleep: async () => (controller.abort('cancelled'), false),
    }).run({ prompt: 'p', cwd: '/', options: {} }, { emit: () => undefined, signal: controller.signal, logger: nullLogger });
    assert.equal(outcome.status, 'cancelled');
    assert.equal(p.calls, 1);
  });

  it('backs off exponentially with full jitter, capped; Retry-After wins but is capped too', () => {
    const t = { reason: '503' };
    assert.equal(retryDelayMs(1, t, { retries: 5 }, () => 0.999), 999);
    assert.equal(retryDelayMs(3, t, { retries: 5 }, () => 0.999), 3996);
    assert.equal(retryDelayMs(10, t, { retries: 5, maxDelayMs: 5000 }, () => 0.999), 4995);
    assert.equal(retryDelayMs(1, t, { retries: 5 }, () => 0), 0);
    assert.equal(retryDelayMs(1, { reason: '429', afterMs: 2500 }, { retries: 5 }, () => 0), 2500);
    assert.equal(retryDelayMs(1, { reason: '429', afterMs: 10 * 60_000 }, { retries: 5 }), 30_000);
  });

  it('reads Retry-After in seconds, as a date, and retry-after-ms', () => {
    assert.equal(retryAfterMs({ 'retry-after': '1' }), 1000);
    assert.equal(retryAfterMs({ 'retry-after-ms': '250', 'retry-after': '9' }), 250);
    assert.equal(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 4000), 6000);
    assert.equal(retryAfterMs({ 'retry-after': 'soon' }), undefined);
    assert.equal(retryAfterMs({}), undefined);
  });

  it('knows which statuses and network errors are transient', () => {
    for (const s of [408, 429, 500, 502, 503, 504, 529]) assert.ok(isTransientStatus(s), String(s));
    for (const s of [400, 401, 403, 404, 413, 422]) assert.ok(!isTransientStatus(s), String(s));
    assert.equal(transientNetworkReason(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'connection refused');
    assert.equal(transientNetworkReason({ cause: { code: 'EAI_AGAIN' } }), 'DNS lookup failed');
    assert.equal(transientNetworkReason(new Error('plain')), undefined);
    assert.equal(transientReasonInText('request failed: connect ECONNREFUSED 127.0.0.1:9'), 'connection refused');
    assert.equal(statusReason(529, 'overloaded_error'), '529 overloaded');
  });

  it('reads a CLI\'s transient failure from its outcome or its words, never an auth error', () => {
    assert.equal(transientCliFailure({ status: 'failed', durationMs: 1, httpStatus: 529 }, ''), '529 overloaded');
    assert.equal(transientCliFailure({ status: 'failed', durationMs: 1, message: 'API Error: 503 (HTTP 503)' }, ''), '503 unavailable');
    assert.equal(transientCliFailure({ status: 'failed', durationMs: 1, message: 'stream error' }, 'Error: connect ECONNRESET'), 'connection reset');
    assert.equal(transientCliFailure({ status: 'failed', durationMs: 1, httpStatus: 401, message: 'Invalid API key (HTTP 401)' }, ''), undefined);
  });
});

describe('rate limits', () => {
  /** A limiter on a fake clock whose waits move the clock (a late timer is a wait that moves it further). */
  function fakeLimiter(perMinute: number, burst = 1, lateBy = 0) {
    let now = 0;
    const waits: number[] = [];
    const limiter = new RateLimiter(perMinute, burst, () => now, async (ms) => (waits.push(ms), (now += ms + lateBy), true));
    const grants: number[] = [];
    const take = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await limiter.acquire();
        grants.push(now);
      }
    };
    return { limiter, waits, grants, take, advance: (ms: number) => (now += ms) };
  }

  it('spaces requests evenly at the limit, with a burst of one by default', async () => {
    const f = fakeLimiter(60);
    await f.take(3);
    assert.deepEqual(f.grants, [0, 1000, 2000]);
    f.advance(10_000); // idle: the bucket refilled, but holds one token
    await f.take(2);
    assert.deepEqual(f.grants.slice(3), [12_000, 13_000]);
    const burst = fakeLimiter(60, 3);
    await burst.take(4);
    assert.deepEqual(burst.grants, [0, 0, 0, 1000]);
  });

  it('measures from when a request really went: a late timer does not bring the next one closer', async () => {
    const f = fakeLimiter(60, 1, 7);
    await f.take(3);
    assert.deepEqual(f.grants, [0, 1007, 2014]);
  });

  it('serves requests in the order they asked, and an aborted one gives up its place without a token', async () => {
    const f = fakeLimiter(60);
    const order: string[] = [];
    const controller = new AbortController();
    controller.abort();
    await Promise.all([
      f.limiter.acquire().then(() => order.push('a')),
      f.limiter.acquire(controller.signal).then((ok) => order.push(ok ? 'b' : 'b aborted')),
      f.limiter.acquire().then(() => order.push('c')),
    ]);
    assert.deepEqual(order, ['a', 'b aborted', 'c']);
    assert.deepEqual(f.waits, [1000], 'only c waited: b took no token');
  });

  it('shares one limiter per API and base URL; 0 is no limit; a new limit starts a new schedule', () => {
    const limits = new RateLimits();
    const a = limits.get('openai\0http://x', 60);
    assert.equal(limits.get('openai\0http://x', 60), a);
    assert.notEqual(limits.get('openai\0http://y', 60), a);
    assert.notEqual(limits.get('openai\0http://x', 30), a);
    assert.equal(limits.get('openai\0http://x', 0), undefined);
  });

  it('a run waiting for the limit says so, and cancel ends the wait', async () => {
    const limiter = new RateLimiter(1, 1);
    await limiter.acquire(); // someone else's request: the next token is a minute away
    const inner: AgentProvider = { id: 'openai', displayName: 'x', run: async () => ok };
    const controller = new AbortController();
    const events: AgentEvent[] = [];
    const outcome = await new RateLimitedProvider(inner, limiter, '1 request a minute to http://x').run(
      { prompt: 'p', cwd: '/', options: {} },
      { emit: (e) => (events.push(e), controller.abort('cancelled')), signal: controller.signal, logger: nullLogger },
    );
    assert.equal(outcome.status, 'cancelled');
    assert.equal(events[0].type, 'waiting');
    assert.ok(events[0].type === 'waiting' && events[0].delayMs > 59_000 && /1 request a minute/.test(events[0].detail));
  });
});
