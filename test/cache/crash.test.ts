import * as assert from 'node:assert/strict';
import { utimesSync } from 'node:fs';
import * as path from 'node:path';
import { CRASH_ENV, type CrashPoint } from '../../src/core/cache/crashPoints';
import { checkHistory, readValue, type Op } from './checker';
import { sleep, startWorker, type WorkerReport } from './harness';
import { key, listFiles, openCache, sampleRun, tempDir, testClock, WS } from './support';

const KEYS = Array.from({ length: 12 }, (_, i) => `k${i}`);

/** Reads every key in a fresh process-like cache (no memory layer) and checks the workers' histories against it. */
async function checkAfterCrash(root: string, workers: WorkerReport[]): Promise<{ violations: string[]; hits: number }> {
  const ops: Op[] = [];
  for (const [i, w] of workers.entries()) {
    const acked = new Set(w.acked.map((a) => a.value));
    for (const b of w.begun) ops.push({ proc: `w${i}`, type: 'put', key: b.key, start: 0, end: acked.has(b.value) ? 0 : undefined, value: b.value, ok: acked.has(b.value) });
  }
  const reader = await openCache(root, { memoryMaxBytes: 0 });
  const finalReads = new Map<string, { value: string | null; ok: boolean }>();
  let hits = 0;
  for (const k of KEYS) {
    const r = await reader.workspace(WS).lookup(key(k));
    if (r.kind === 'hit') hits++;
    finalReads.set(k, r.kind === 'hit' ? readValue(k, r.run) : { value: null, ok: true });
  }
  await reader.close();
  return { violations: checkHistory(ops, finalReads, { noPressure: true }), hits };
}

const tmpFiles = (root: string) => listFiles(root).filter((f) => f.endsWith('.tmp'));

describe('cache: kill -9 while writing', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir('arc-crash-')));
  afterEach(() => tmp.cleanup());

  // Crash points are on answers only (the near-index record is written in the background): @2 is the second store.
  const points: { point: CrashPoint; orphans: number }[] = [
    { point: 'mid-tmp-write', orphans: 1 },
    { point: 'after-tmp-write', orphans: 1 },
    { point: 'after-rename', orphans: 0 },
  ];
  for (const { point, orphans } of points) {
    it(`at ${point}: no damaged entry is ever served, completed writes survive, the orphan is swept after an hour`, async () => {
      const w = startWorker({ role: 'writer', root: tmp.dir, name: 'w', keys: KEYS, count: 5 }, { [CRASH_ENV]: `${point}@2` });
      const exit = await w.exited;
      assert.equal(exit.signal, 'SIGKILL', `the writer died at ${point} (stderr: ${w.stderr})`);
      assert.equal(w.begun.length, 2);
      assert.equal(w.acked.length, 1);
      const { violations, hits } = await checkAfterCrash(tmp.dir, [w]);
      assert.deepEqual(violations, []);
      assert.equal(hits, point === 'after-rename' ? 2 : 1, 'the entry renamed into place before the kill is whole and readable');
      assert.equal(tmpFiles(tmp.dir).filter((f) => f.includes('/entries/')).length, orphans);
      const all = tmpFiles(tmp.dir).length; // plus, rarely, a near-index record that was being written
      assert.ok(all <= orphans + 1);

      const clock = testClock();
      const cache = await openCache(tmp.dir, { clock });
      assert.equal((await cache.sweep({ force: true })).tmpRemoved, 0, 'a young temporary file may belong to a live writer');
      clock.advance(61 * 60_000);
      assert.equal((await cache.sweep({ force: true })).tmpRemoved, all);
      assert.deepEqual(tmpFiles(tmp.dir), []);
      assert.equal((await cache.workspace(WS).store(key('k1'), sampleRun())).kind, 'stored', 'writes work after the crash');
      await cache.close();
    });
  }

  it('in the middle of a sweep: fresh entries stay, expired ones go on the next sweep', async () => {
    const w = startWorker({ role: 'expire-then-sweep', root: tmp.dir, name: 'w', keys: KEYS }, { [CRASH_ENV]: 'mid-sweep@2' });
    const exit = await w.exited;
    assert.equal(exit.signal, 'SIGKILL', w.stderr);
    const fresh = KEYS.slice(KEYS.length / 2);
    assert.deepEqual(w.acked.map((a) => a.key), fresh);
    const cache = await openCache(tmp.dir);
    const r = await cache.sweep({ force: true });
    assert.equal(r.expiredRemoved, KEYS.length / 2 - 2, 'the killed sweep removed two; the next one the rest');
    assert.equal(r.entries, fresh.length);
    await cache.close();
    const { violations, hits } = await checkAfterCrash(tmp.dir, [w]);
    assert.deepEqual(violations, []);
    assert.equal(hits, fresh.length);
  });

  it('at random moments, over and over on overlapping keys: never a wrong or torn answer, a bounded number of orphans', async function () {
    this.timeout(300_000);
    const minRounds = 12;
    const workers: WorkerReport[] = [];
    const acked = () => workers.reduce((n, w) => n + w.acked.length, 0);
    // At least 12 kills, and as many more as it takes (on a slow machine) for more
    // writes to complete than there were kills: up to ten times as many.
    for (let i = 0; i < minRounds || (acked() <= workers.length && i < 10 * minRounds); i++) {
      const w = startWorker({ role: 'writer', root: tmp.dir, name: `r${i}`, keys: KEYS, count: 0 });
      workers.push(w);
      await w.ready;
      await sleep(20 + Math.random() * 150);
      w.child.kill('SIGKILL');
      assert.equal((await w.exited).signal, 'SIGKILL');
    }
    const rounds = workers.length;
    assert.ok(acked() > rounds, `${acked()} writes completed across ${rounds} kills`);
    const { violations } = await checkAfterCrash(tmp.dir, workers);
    assert.deepEqual(violations, []);
    const orphans = tmpFiles(tmp.dir).length;
    // An answer and a near-index record may both be in flight at a kill.
    assert.ok(orphans <= 2 * rounds, `${orphans} orphans after ${rounds} kills`);
    // Age them past the threshold: one sweep clears them all.
    const old = new Date(Date.now() - 2 * 3600e3);
    for (const f of tmpFiles(tmp.dir)) utimesSync(path.join(tmp.dir, f), old, old);
    const cache = await openCache(tmp.dir);
    assert.equal((await cache.sweep({ force: true })).tmpRemoved, orphans);
    const v = await cache.verify();
    assert.equal(v.removed, 0, 'nothing on disk was damaged');
    await cache.close();
  });
});
