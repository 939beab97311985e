import * as assert from 'node:assert/strict';
import type { AgentEvent, RunOutcome } from '../../src/core/agents/events';
import type { AgentProvider, RunContext, RunRequest } from '../../src/core/agents/provider';
import { AgentRun } from '../../src/core/run/agentRun';

/** A provider driven by a script, standing in for a process. */
function scripted(script: (ctx: RunContext) => Promise<RunOutcome>): AgentProvider {
  return { id: 'fake', displayName: 'Fake', run: (_req: RunRequest, ctx: RunContext) => script(ctx) };
}
const REQUEST: RunRequest = { prompt: 'p', cwd: '/', options: {} };
const ok = (durationMs = 1): RunOutcome => ({ status: 'succeeded', durationMs });

describe('AgentRun', () => {
  it('numbers events densely from 1 and ends with exactly one done', async () => {
    const run = new AgentRun(scripted(async ({ emit }) => {
      emit({ type: 'text', text: 'a' });
      emit({ type: 'text', text: 'b' });
      return ok();
    }), REQUEST);
    const seen: number[] = [];
    run.onEvent((e) => seen.push(e.seq));
    const outcome = await run.done;
    assert.equal(outcome.status, 'succeeded');
    assert.deepEqual(seen, [1, 2, 3]);
    const all = run.eventsAfter(0);
    assert.equal(all[all.length - 1].event.type, 'done');
    assert.deepEqual(run.eventsAfter(2).map((e) => e.seq), [3]);
    assert.deepEqual(run.eventsAfter(3), []);
    assert.equal(run.lastSeq, 3);
    assert.equal(run.metrics.textChars, 2);
    assert.ok(run.metrics.firstOutputMs !== undefined);
  });

  it('a subscriber attached right after construction misses nothing', async () => {
    const run = new AgentRun(scripted(async ({ emit }) => (emit({ type: 'notice', message: 'first' }), ok())), REQUEST);
    const types: AgentEvent['type'][] = [];
    run.onEvent((e) => types.push(e.event.type));
    await run.done;
    assert.deepEqual(types, ['notice', 'done']);
  });

  it('cancel aborts the provider with reason "cancelled"', async () => {
    const run = new AgentRun(scripted(({ signal }) => new Promise((resolve) => {
      // The contract: a provider checks for an abort that came before it started.
      if (signal.aborted) return resolve({ status: signal.reason, durationMs: 0 });
      signal.addEventListener('abort', () => resolve({ status: signal.reason, durationMs: 0 }));
    })), REQUEST);
    run.cancel();
    run.cancel(); // idempotent
    assert.equal((await run.done).status, 'cancelled');
  });

  it('times out with reason "timed-out"', async () => {
    const run = new AgentRun(scripted(({ signal }) => new Promise((resolve) => {
      signal.addEventListener('abort', () => resolve({ status: signal.reason, durationMs: 0 }));
    })), REQUEST, { timeoutMs: 30 });
    assert.equal((await run.done).status, 'timed-out');
  });

  it('a provider that throws still ends the run cleanly, with the error shown', async () => {
    const run = new AgentRun(scripted(async () => {
      throw new Error('boom');
    }), REQUEST);
    const outcome = await run.done;
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.message, 'boom');
    assert.deepEqual(run.eventsAfter(0).map((e) => e.event.type), ['error', 'done']);
  });

  it('a listener that throws does not break the run or other listeners', async () => {
    const run = new AgentRun(scripted(async ({ emit }) => (emit({ type: 'text', text: 'x' }), ok())), REQUEST);
    let other = 0;
    run.onEvent(() => {
      throw new Error('listener bug');
    });
    run.onEvent(() => other++);
    assert.equal((await run.done).status, 'succeeded');
    assert.equal(other, 2);
  });

  it('records nothing after done and knows its process for deactivate', async () => {
    let kills = 0;
    let late: ((e: AgentEvent) => void) | undefined;
    const run = new AgentRun(scripted(async ({ emit, onProcess }) => {
      onProcess?.(() => kills++, 4242);
      late = emit;
      return ok();
    }), REQUEST);
    assert.equal(run.isRunning, true);
    await run.done;
    late!({ type: 'text', text: 'too late' });
    assert.equal(run.eventsAfter(0).length, 1);
    assert.equal(run.pid, 4242);
    run.killNow();
    assert.equal(kills, 1);
  });
});
