import * as assert from 'node:assert/strict';
import type { AgentEvent, RunOutcome } from '../../src/core/agents/events';
import type { AgentProvider, RunContext, RunRequest } from '../../src/core/agents/provider';
import { AgentRun, type RunState } from '../../src/core/run/agentRun';

/** A provider driven by a script, standing in for a process. */
function scripted(script: (ctx: RunContext) => Promise<RunOutcome>): AgentProvider & { calls: number } {
  const p = { id: 'fake', displayName: 'Fake', calls: 0, run: (_req: RunRequest, ctx: RunContext) => (p.calls++, script(ctx)) };
  return p;
}
const REQUEST: RunRequest = { prompt: 'p', cwd: '/', options: {} };
const ok = (durationMs = 1): RunOutcome => ({ status: 'succeeded', durationMs });

describe('AgentRun', () => {
  it('waits queued until start(), then numbers events densely from 1 and ends with exactly one done', async () => {
    const provider = scripted(async ({ emit }) => {
      emit({ type: 'text', text: 'a' });
      emit({ type: 'text', text: 'b' });
      return ok();
    });
    const run = new AgentRun(provider, REQUEST);
    const states: RunState[] = [];
    run.onState((r) => states.push(r.state));
    await Promise.resolve();
    assert.equal(run.state, 'queued');
    assert.equal(provider.calls, 0, 'constructing a run must not start it');
    const seen: number[] = [];
    run.onEvent((e) => seen.push(e.seq));
    const outcome = await run.start();
    assert.equal(outcome.status, 'succeeded');
    assert.deepEqual(states, ['running', 'finished']);
    // The two deltas of one turn are one event (see the coalescing test below).
    assert.deepEqual(seen, [1, 2]);
    const all = run.eventsAfter(0);
    assert.deepEqual(all[0].event, { type: 'text', text: 'ab' });
    assert.equal(all[all.length - 1].event.type, 'done');
    assert.deepEqual(run.eventsAfter(1).map((e) => e.seq), [2]);
    assert.deepEqual(run.eventsAfter(2), []);
    assert.equal(run.lastSeq, 2);
    assert.equal(run.metrics.textChars, 2);
    assert.ok(run.metrics.firstOutputMs !== undefined);
    assert.equal(run.record.state, 'finished');
    assert.ok(run.record.startedAt! >= run.record.createdAt && run.record.finishedAt! >= run.record.startedAt!);
  });

  it('coalesces the text deltas of one turn into one event, without ever renumbering one', async () => {
    const turn = () => new Promise((r) => setImmediate(r));
    let midway: number[] = [];
    const big = 'y'.repeat(40 * 1024);
    const provider = scripted(async ({ emit }) => {
      emit({ type: 'text', text: 'Hel' });
      emit({ type: 'text', text: 'lo' });
      emit({ type: 'thinking', text: 'hmm' }); // another kind: a new event
      emit({ type: 'thinking', text: '…' });
      emit({ type: 'tool-use', id: 't', name: 'Read', input: {} }); // anything else ends the text before it
      emit({ type: 'text', text: 'a' });
      await turn();
      emit({ type: 'text', text: 'b' }); // the next turn: a new event
      // Asking for the log mid-turn gives what has arrived, numbered for good.
      midway = run.eventsAfter(0).map((e) => e.seq);
      emit({ type: 'text', text: 'c' });
      emit({ type: 'text', text: big });
      emit({ type: 'text', text: big }); // past 64 KB in one event: a new one
      return ok();
    });
    const run = new AgentRun(provider, REQUEST);
    const live: Array<[number, string]> = [];
    run.onEvent((e) => live.push([e.seq, e.event.type === 'text' || e.event.type === 'thinking' ? e.event.text.slice(0, 5) : e.event.type]));
    await run.start();
    assert.deepEqual(midway, [1, 2, 3, 4, 5]);
    assert.deepEqual(live, [
      [1, 'Hello'],
      [2, 'hmm…'],
      [3, 'tool-use'],
      [4, 'a'],
      [5, 'b'],
      [6, 'cyyyy'],
      [7, 'yyyyy'],
      [8, 'done'],
    ]);
    assert.deepEqual(run.eventsAfter(0).map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(run.eventsAfter(0).map((e) => (e.event.type === 'text' ? e.event.text : '')).join(''), `Helloabc${big}${big}`);
    assert.equal(run.metrics.events, 11, 'metrics count what the provider emitted (and done)');
  });

  it('start() twice starts the provider once', async () => {
    const provider = scripted(async () => ok());
    const run = new AgentRun(provider, REQUEST);
    const [a, b] = await Promise.all([run.start(), run.start()]);
    assert.equal(a, b);
    assert.equal(provider.calls, 1);
  });

  it('a run cancelled while queued finishes as cancelled and never calls its provider', async () => {
    const provider = scripted(async () => ok());
    const run = new AgentRun(provider, REQUEST);
    let cleaned = 0;
    run.addCleanup(() => cleaned++);
    run.cancel();
    assert.equal(run.state, 'finished');
    assert.equal((await run.done).status, 'cancelled');
    assert.equal((await run.start()).status, 'cancelled', 'a late start() of a cancelled run does nothing');
    assert.equal(provider.calls, 0);
    assert.equal(cleaned, 1);
    assert.deepEqual(run.eventsAfter(0).map((e) => e.event.type), ['done']);
  });

  it('cancel aborts a running provider with reason "cancelled"', async () => {
    const run = new AgentRun(scripted(({ signal }) => new Promise((resolve) => {
      if (signal.aborted) return resolve({ status: signal.reason, durationMs: 0 });
      signal.addEventListener('abort', () => resolve({ status: signal.reason, durationMs: 0 }));
    })), REQUEST);
    void run.start();
    run.cancel();
    run.cancel(); // idempotent
    assert.equal((await run.done).status, 'cancelled');
  });

  it('times out with reason "timed-out", counting from start() and not from creation', async () => {
    const run = new AgentRun(scripted(({ signal }) => new Promise((resolve) => {
      signal.addEventListener('abort', () => resolve({ status: signal.reason, durationMs: 0 }));
    })), REQUEST, { timeoutMs: 30 });
    // Longer than the limit in the queue: the clock has not started, so the run is still waiting.
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(run.state, 'queued');
    void run.start();
    assert.equal((await run.done).status, 'timed-out');
  });

  it('a provider that throws still ends the run cleanly, with the error shown', async () => {
    const run = new AgentRun(scripted(async () => {
      throw new Error('boom');
    }), REQUEST);
    const outcome = await run.start();
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
    assert.equal((await run.start()).status, 'succeeded');
    assert.equal(other, 2);
  });

  it('records nothing after done, knows its process for deactivate, and runs its cleanups once', async () => {
    let kills = 0;
    let late: ((e: AgentEvent) => void) | undefined;
    let cleaned = 0;
    const run = new AgentRun(scripted(async ({ emit, onProcess }) => {
      onProcess?.(() => kills++, 4242);
      late = emit;
      run.killNow(); // the window closes while the process runs
      return ok();
    }), REQUEST);
    run.addCleanup(() => cleaned++);
    await run.start();
    assert.equal(kills, 1);
    assert.equal(run.pid, 4242);
    late!({ type: 'text', text: 'too late' });
    assert.equal(run.eventsAfter(0).length, 1);
    run.killNow(); // after the end: nothing left to kill
    assert.equal(kills, 1);
    assert.equal(cleaned, 1);
    run.addCleanup(() => cleaned++); // added after the end: runs at once
    assert.equal(cleaned, 2);
  });
});
