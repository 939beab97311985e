import * as assert from 'node:assert/strict';
import type { RunOutcome } from '../../src/core/agents/events';
import type { AgentProvider, RunContext, RunRequest } from '../../src/core/agents/provider';
import { AgentRun } from '../../src/core/run/agentRun';
import { RunQueue } from '../../src/core/run/runQueue';
import { RunRegistry, type RunChange } from '../../src/core/run/runRegistry';

/** A provider whose runs are held until the test releases them, one gate per run. */
function gated(id = 'fake') {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  let active = 0;
  let peak = 0;
  const provider: AgentProvider = {
    id,
    displayName: id,
    run: (req: RunRequest, ctx: RunContext) =>
      new Promise<RunOutcome>((resolve) => {
        started.push(req.prompt);
        peak = Math.max(peak, ++active);
        const end = (status: RunOutcome['status']) => {
          active--;
          resolve({ status, durationMs: 1 });
        };
        gates.set(req.prompt, () => end('succeeded'));
        ctx.signal.addEventListener('abort', () => end('cancelled'));
      }),
  };
  return { provider, started, release: (p: string) => gates.get(p)!(), peak: () => peak };
}

const flush = () => new Promise((r) => setImmediate(r));
const runOf = (provider: AgentProvider, prompt: string) => new AgentRun(provider, { prompt, cwd: '/', options: {} }, { id: prompt });

describe('RunQueue and RunRegistry', () => {
  it('never runs more than maxConcurrent at once; the next starts only when one finishes', async () => {
    const g = gated();
    const registry = new RunRegistry({ queue: new RunQueue({ maxConcurrent: 2 }) });
    const runs = ['a', 'b', 'c', 'd', 'e'].map((p) => registry.submit(runOf(g.provider, p)));
    await flush();
    assert.deepEqual(g.started, ['a', 'b']);
    assert.deepEqual(runs.map((r) => r.state), ['running', 'running', 'queued', 'queued', 'queued']);
    assert.deepEqual(runs.map((r) => registry.queuePosition(r)), [undefined, undefined, 1, 2, 3]);
    g.release('b');
    await runs[1].done;
    await flush();
    assert.deepEqual(g.started, ['a', 'b', 'c']);
    assert.equal(registry.queuePosition(runs[3]), 1);
    for (const p of ['a', 'c', 'd', 'e']) {
      await flush();
      g.release(p);
    }
    await Promise.all(runs.map((r) => r.done));
    assert.equal(g.peak(), 2);
  });

  it('a queued run cancelled is never started, and the line moves up', async () => {
    const g = gated();
    const queue = new RunQueue({ maxConcurrent: 1 });
    const registry = new RunRegistry({ queue });
    const [a, b, c] = ['a', 'b', 'c'].map((p) => registry.submit(runOf(g.provider, p)));
    await flush();
    b.cancel();
    assert.equal((await b.done).status, 'cancelled');
    assert.equal(registry.queuePosition(c), 1);
    g.release('a');
    await a.done;
    await flush();
    g.release('c');
    await c.done;
    assert.deepEqual(g.started, ['a', 'c'], 'the cancelled run reached its turn and did nothing');
  });

  it('a larger limit applies at once to runs already waiting', async () => {
    const g = gated();
    const queue = new RunQueue({ maxConcurrent: 1 });
    const registry = new RunRegistry({ queue });
    const runs = ['a', 'b', 'c'].map((p) => registry.submit(runOf(g.provider, p)));
    await flush();
    assert.deepEqual(g.started, ['a']);
    queue.setMaxConcurrent(3);
    await flush();
    assert.deepEqual(g.started, ['a', 'b', 'c']);
    for (const p of ['a', 'b', 'c']) g.release(p);
    await Promise.all(runs.map((r) => r.done));
  });

  it('a run waiting for its agent\'s own limit does not hold a global slot', async () => {
    const claude = gated('claude');
    const codex = gated('codex');
    const registry = new RunRegistry({ queue: new RunQueue({ maxConcurrent: 2, perAgent: { claude: 1 } }) });
    const c1 = registry.submit(runOf(claude.provider, 'c1'));
    const c2 = registry.submit(runOf(claude.provider, 'c2'));
    const x1 = registry.submit(runOf(codex.provider, 'x1'));
    await flush();
    // c2 waits for claude's limit of 1; the second global slot goes to codex.
    assert.deepEqual([c1.state, c2.state, x1.state], ['running', 'queued', 'running']);
    claude.release('c1');
    await c1.done;
    await flush();
    assert.equal(c2.state, 'running');
    claude.release('c2');
    codex.release('x1');
    await Promise.all([c2.done, x1.done]);
  });

  it('dispose drops the queue and kills what runs; nothing queued ever starts', async () => {
    const g = gated();
    const registry = new RunRegistry({ queue: new RunQueue({ maxConcurrent: 1 }) });
    const [a, b] = ['a', 'b'].map((p) => registry.submit(runOf(g.provider, p)));
    await flush();
    registry.dispose();
    assert.equal((await a.done).status, 'cancelled');
    assert.equal((await b.done).status, 'cancelled');
    await flush();
    assert.deepEqual(g.started, ['a']);
    assert.throws(() => registry.submit(runOf(g.provider, 'c')), /shutting down/);
  });

  it('fires added, changed and removed; keeps only the newest finished runs', async () => {
    const g = gated();
    const registry = new RunRegistry({ queue: new RunQueue({ maxConcurrent: 5 }), maxFinished: 2 });
    const changes: string[] = [];
    registry.onDidChange((c: RunChange) => changes.push(`${c.kind}:${c.run.id}${c.kind === 'changed' ? `:${c.run.state}` : ''}`));
    const runs = ['a', 'b', 'c'].map((p) => registry.submit(runOf(g.provider, p)));
    await flush();
    for (const p of ['a', 'b', 'c']) {
      g.release(p);
      await runs.find((r) => r.id === p)!.done;
    }
    assert.deepEqual(registry.all().map((r) => r.id), ['b', 'c']);
    assert.ok(changes.includes('added:a') && changes.includes('changed:a:running') && changes.includes('changed:a:finished'));
    assert.ok(changes.includes('removed:a'));
    assert.ok(!changes.includes('removed:b'));
  });

  it('keeps the newest finished runs within a budget of text, however many there are', async () => {
    const provider: AgentProvider = {
      id: 'big',
      displayName: 'big',
      run: async (_r, ctx) => (ctx.emit({ type: 'text', text: 'x'.repeat(1000) }), { status: 'succeeded', durationMs: 1 }),
    };
    const registry = new RunRegistry({ queue: new RunQueue({ maxConcurrent: 3 }), maxFinished: 1000, maxFinishedChars: 3500 });
    for (let i = 0; i < 20; i++) await registry.submit(runOf(provider, `r${i}`)).done;
    assert.deepEqual(registry.all().map((r) => r.id), ['r17', 'r18', 'r19']);
  });
});
