import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { checkHistory, readValue, valueRun, type Op } from './checker';
import { startWorker, type WorkerReport } from './harness';
import { key, openCache, tempDir, WS } from './support';

const KEYS = Array.from({ length: 30 }, (_, i) => `shared-${i}`);

interface Scenario {
  writers: number;
  /** Each writer does at least this many operations, and keeps going until every worker has done enough. */
  minOps: number;
  /** The sweeper sweeps at least this often while the writers work. */
  minSweeps?: number;
  maxTotalBytes?: number;
  alwaysMiss?: boolean;
  sweeper?: boolean;
}

/** Runs writers/readers (and a sweeper) in separate processes at once; returns the merged history and the final reads. */
async function runScenario(root: string, s: Scenario) {
  const workers: (WorkerReport & { historyFile: string })[] = [];
  for (let i = 0; i < s.writers; i++) {
    const historyFile = path.join(root, `history-${i}.json`);
    const w = startWorker({ role: 'mixed', root, name: `p${i}`, keys: KEYS, minOps: s.minOps, memory: i % 2 === 0, maxTotalBytes: s.maxTotalBytes, historyFile, alwaysMiss: s.alwaysMiss });
    workers.push(Object.assign(w, { historyFile }));
  }
  const sweeper = s.sweeper ? startWorker({ role: 'sweeper', root, name: 'sweeper', keys: [], maxTotalBytes: s.maxTotalBytes }) : undefined;
  const all = [...workers, ...(sweeper ? [sweeper] : [])];
  await Promise.all(all.map((w) => w.ready));
  for (const w of all) w.child.send('go');
  // Enough traffic (and sweeps during it) is counted, not timed: then everyone stops.
  await Promise.all([...workers.map((w) => w.reached(s.minOps)), ...(sweeper ? [sweeper.reached(s.minSweeps ?? 1)] : [])]);
  for (const w of all) w.child.send('stop');
  const exits = await Promise.all(all.map((w) => w.exited));
  for (const [i, e] of exits.entries()) assert.equal(e.code, 0, `worker ${i} failed: ${all[i].stderr}`);

  const ops: Op[] = workers.flatMap((w) => JSON.parse(readFileSync(w.historyFile, 'utf8')) as Op[]);
  const reader = await openCache(root, { memoryMaxBytes: 0, maxTotalBytes: s.maxTotalBytes });
  const statsBefore = await reader.workspace(WS).stats();
  const finalReads = new Map<string, { value: string | null; ok: boolean }>();
  for (const k of KEYS) {
    const r = await reader.workspace(WS).lookup(key(k));
    finalReads.set(k, r.kind === 'hit' ? readValue(k, r.run) : { value: null, ok: true });
  }
  await reader.close();
  return { ops, finalReads, workers, sweeper, statsBefore };
}

describe('cache: several processes at once', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir('arc-conc-')));
  afterEach(() => tmp.cleanup());

  it('four processes reading and writing overlapping keys while a sweep runs: only written values, and completed writes stay readable', async () => {
    const { ops, finalReads, workers, sweeper, statsBefore } = await runScenario(tmp.dir, { writers: 4, minOps: 150, sweeper: true, minSweeps: 3 });
    const puts = ops.filter((o) => o.type === 'put' && o.ok).length;
    const gets = ops.filter((o) => o.type === 'get');
    const hits = gets.filter((o) => o.value !== null).length;
    assert.ok(puts > 100 && gets.length > 100, `${puts} writes and ${gets.length} reads is enough traffic`);
    assert.ok(hits > gets.length / 2, `${hits} of ${gets.length} reads hit`);
    assert.ok((sweeper!.done?.sweeps ?? 0) >= 3, `${sweeper!.done?.sweeps} sweeps ran during the writes`);
    assert.deepEqual(checkHistory(ops, finalReads, { noPressure: true }), []);
    // Statistics from four processes at once: nothing lost.
    const reportedHits = workers.reduce((n, w) => n + (w.done?.hits ?? 0), 0);
    assert.equal(statsBefore.hits, reportedHits);
    assert.equal(statsBefore.hits + statsBefore.misses, gets.length);
    assert.equal(statsBefore.stored, puts);
    assert.equal(statsBefore.removedInvalid, 0);
    console.log(`      (${puts} writes, ${gets.length} reads, ${hits} hits, ${sweeper!.done?.sweeps} sweeps)`);
  });

  it('while stale entries of the same keys are being removed (expired, by readers and the sweeper): a fresh write is never lost', async () => {
    const old = await openCache(tmp.dir, { clock: () => Date.now() - 48 * 3600e3, memoryMaxBytes: 0 });
    for (const k of KEYS) await old.workspace(WS).store(key(k), valueRun({ key: k, writer: 'old', seq: 0, payload: 'stale' }));
    await old.close();
    const { ops, finalReads } = await runScenario(tmp.dir, { writers: 4, minOps: 60, sweeper: true, minSweeps: 2 });
    const staleServed = ops.filter((o) => o.type === 'get' && o.value === 'old:0');
    assert.deepEqual(staleServed, [], 'an expired entry is never served');
    assert.deepEqual(checkHistory(ops, finalReads, { noPressure: true, duringRun: false }), []);
  });

  it('under size pressure (a tiny bound, sweeping all the time): misses, but never a wrong or torn value', async () => {
    const { ops, finalReads, sweeper } = await runScenario(tmp.dir, { writers: 4, minOps: 120, sweeper: true, minSweeps: 3, maxTotalBytes: 40_000 });
    assert.ok((sweeper!.done?.evicted ?? 0) > 0, 'the bound forced evictions');
    assert.deepEqual(checkHistory(ops, finalReads, { noPressure: false }), []);
  });

  it('sanity: the checker catches an always-miss cache and values that were never written for the key', async () => {
    const { ops, finalReads } = await runScenario(tmp.dir, { writers: 2, minOps: 40, alwaysMiss: true });
    const violations = checkHistory(ops, finalReads, { noPressure: true });
    assert.ok(violations.some((v) => v.includes('miss for') && v.includes('after a completed write')), 'an always-miss cache must fail the liveness check');
    // An always-miss cache in every read, final reads included:
    const allMiss = new Map([...finalReads.keys()].map((k) => [k, { value: null, ok: true }]));
    assert.ok(checkHistory(ops, allMiss, { noPressure: true }).some((v) => v.startsWith('final read: miss')));
    // A cache that answers with another key's value, or a value nobody wrote:
    const someKey = ops.find((o) => o.type === 'put' && o.ok)!;
    const otherKey = KEYS.find((k) => k !== someKey.key)!;
    const wrong = new Map(finalReads);
    wrong.set(otherKey, { value: someKey.value, ok: true });
    assert.ok(checkHistory(ops, wrong, { noPressure: false }).some((v) => v.includes('never written')));
    wrong.set(otherKey, { value: 'p0:1', ok: false });
    assert.ok(checkHistory(ops, wrong, { noPressure: false }).some((v) => v.includes('torn or misplaced')));
  });
});
