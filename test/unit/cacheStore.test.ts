import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { StatsStore } from '../../src/core/cache/cacheStats';
import { nodeFs } from '../../src/core/cache/fsLike';
import { key, listFiles, openCache, sampleRun, tempDir, testClock, WS } from '../cache/support';

const HOUR = 60 * 60_000;

describe('response cache: store, lookup, expiry', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('answers a stored run from memory, and from disk in a fresh process', async () => {
    const a = await openCache(tmp.dir);
    const ws = a.workspace(WS);
    assert.equal((await ws.lookup(key('q'))).kind, 'miss');
    assert.deepEqual(await ws.store(key('q'), sampleRun('hello')), { kind: 'stored', bytes: (await ws.stats()).bytes });
    const mem = await ws.lookup(key('q'));
    assert.ok(mem.kind === 'hit' && mem.layer === 'memory');
    assert.equal(mem.run.events[1].type === 'text' && mem.run.events[1].text, 'hello');
    await a.close();
    const b = await openCache(tmp.dir);
    const disk = await b.workspace(WS).lookup(key('q'));
    assert.ok(disk.kind === 'hit' && disk.layer === 'disk');
    assert.deepEqual(disk.run, sampleRun('hello'));
    assert.equal((await b.workspace(WS).lookup(key('other'))).kind, 'miss');
    await b.close();
  });

  it('expires entries by the wall clock, in memory and on disk, without sliding on reads', async () => {
    const clock = testClock();
    const cache = await openCache(tmp.dir, { clock, policy: { ttlMs: HOUR } });
    const ws = cache.workspace(WS);
    await ws.store(key('q'), sampleRun());
    clock.advance(HOUR / 2);
    assert.equal((await ws.lookup(key('q'))).kind, 'hit');
    clock.advance(HOUR / 2 - 1);
    const last = await ws.lookup(key('q'));
    assert.ok(last.kind === 'hit' && last.ageMs === HOUR - 1, 'reads do not extend the TTL');
    clock.advance(1);
    const gone = await ws.lookup(key('q'));
    assert.deepEqual(gone.kind === 'miss' && gone.cause, { kind: 'expired' });
    assert.equal(listFiles(tmp.dir).filter((f) => f.includes('/entries/')).length, 0, 'an expired entry is removed');
    assert.equal(await ws.explainMiss(key('q'), { kind: 'miss', cause: { kind: 'absent' } }), 'expired', 'and the near index still says why');
    await cache.close();
    assert.equal((await (await openCache(tmp.dir)).workspace(WS).stats()).expired, 1);
  });

  it('tolerates small clock skew between writers and distrusts entries from far in the future', async () => {
    const t = Date.now();
    const writerAhead = testClock(t + 3 * 60_000);
    const w = await openCache(tmp.dir, { clock: writerAhead, memoryMaxBytes: 0 });
    await w.workspace(WS).store(key('skew-small'), sampleRun());
    const farAhead = testClock(t + HOUR);
    const w2 = await openCache(tmp.dir, { clock: farAhead, memoryMaxBytes: 0 });
    await w2.workspace(WS).store(key('skew-big'), sampleRun());
    const reader = await openCache(tmp.dir, { clock: testClock(t), memoryMaxBytes: 0 });
    const small = await reader.workspace(WS).lookup(key('skew-small'));
    assert.ok(small.kind === 'hit' && small.ageMs === 0, 'age is never negative');
    assert.deepEqual((await reader.workspace(WS).lookup(key('skew-big'))).kind, 'miss');
    // The clock jumping back an hour after a write: the entry is not trusted either.
    const jumpy = testClock(t);
    const j = await openCache(tmp.dir, { clock: jumpy, memoryMaxBytes: 0 });
    await j.workspace(WS).store(key('jump'), sampleRun());
    jumpy.advance(-HOUR);
    assert.equal((await j.workspace(WS).lookup(key('jump'))).kind, 'miss');
    for (const c of [w, w2, reader, j]) await c.close();
  });

  it('keeps the memory layer within its byte bound', async () => {
    const run = sampleRun('x'.repeat(10_000));
    const cache = await openCache(tmp.dir, { memoryMaxBytes: 35_000 });
    const ws = cache.workspace(WS);
    for (let i = 0; i < 10; i++) await ws.store(key(`m${i}`), run);
    rmSync(path.join(tmp.dir, 'response-cache-v1', 'workspaces', WS, 'entries'), { recursive: true });
    let hits = 0;
    for (let i = 0; i < 10; i++) if ((await ws.lookup(key(`m${i}`))).kind === 'hit') hits++;
    assert.ok(hits >= 1 && hits <= 3, `${hits} entries of 10 KB answered from a 35 KB memory layer`);
    await cache.close();
  });

  it('does not store an entry over the per-entry limit', async () => {
    const cache = await openCache(tmp.dir, { policy: { maxEntryBytes: 5000 } });
    const r = await cache.workspace(WS).store(key('big'), sampleRun('x'.repeat(6000)));
    assert.equal(r.kind, 'not-stored');
    assert.match((r as { reason: string }).reason, /larger than the per-entry limit/);
    assert.equal((await cache.workspace(WS).lookup(key('big'))).kind, 'miss');
    await cache.close();
  });

  it('clears a workspace, and another window drops its memory copy within a second', async () => {
    const clock = testClock();
    const a = await openCache(tmp.dir, { clock });
    const b = await openCache(tmp.dir, { clock });
    await a.workspace(WS).store(key('q'), sampleRun());
    await a.workspace('b'.repeat(32)).store(key('q'), sampleRun());
    assert.equal((await b.workspace(WS).lookup(key('q'))).kind, 'hit'); // now in b's memory
    await a.workspace(WS).clear();
    assert.equal((await a.workspace(WS).lookup(key('q'))).kind, 'miss');
    clock.advance(1001);
    assert.equal((await b.workspace(WS).lookup(key('q'))).kind, 'miss', 'b saw the new clear generation');
    assert.equal((await b.workspace('b'.repeat(32)).lookup(key('q'))).kind, 'hit', 'other workspaces untouched');
    await a.clear();
    assert.equal((await a.stats()).total.entries, 0);
    await a.close();
    await b.close();
  });
});

describe('response cache: settings lowered after entries were stored', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('a lowered TTL expires entries stored under a longer one: in memory, on disk, in sweeps and in verify', async () => {
    const clock = testClock();
    const cache = await openCache(tmp.dir, { clock, policy: { ttlMs: 24 * HOUR } });
    const ws = cache.workspace(WS);
    for (const k of ['a', 'b', 'c', 'd']) await ws.store(key(k), sampleRun());
    await cache.flush();
    clock.advance(2 * HOUR);
    assert.equal((await ws.lookup(key('a'))).kind, 'hit', 'within both TTLs');
    cache.setPolicy({ ttlMs: HOUR });
    const mem = await ws.lookup(key('a'));
    assert.deepEqual(mem.kind === 'miss' && mem.cause, { kind: 'expired' }, 'the memory copy expires by the new TTL');
    assert.equal(await ws.explainMiss(key('a'), { kind: 'miss', cause: { kind: 'absent' } }), 'expired', 'and a miss is explained by it');
    // Another window with the new setting and no memory layer: from disk.
    const other = await openCache(tmp.dir, { clock, policy: { ttlMs: HOUR }, memoryMaxBytes: 0 });
    const disk = await other.workspace(WS).lookup(key('b'));
    assert.deepEqual(disk.kind === 'miss' && disk.cause, { kind: 'expired' });
    const swept = await other.sweep({ force: true });
    assert.equal(swept.expiredRemoved, 2, 'a sweep under the new setting removes c and d');
    assert.equal(swept.entries, 0);
    const longAgo = await openCache(tmp.dir, { clock: () => clock() - 3 * HOUR, policy: { ttlMs: 24 * HOUR } });
    await longAgo.workspace(WS).store(key('v'), sampleRun());
    await longAgo.close();
    assert.equal((await other.verify()).expiredRemoved, 1, 'and so does verify');
    await ws.store(key('fresh'), sampleRun());
    // Raising the TTL again never extends an entry stored under a shorter one.
    cache.setPolicy({ ttlMs: 24 * HOUR });
    clock.advance(HOUR);
    assert.equal((await other.workspace(WS).lookup(key('fresh'))).kind, 'miss', 'other still says one hour');
    assert.equal((await ws.lookup(key('fresh'))).kind, 'miss', 'stored under one hour: gone after one hour whatever the setting now');
    await cache.close();
    await other.close();
  });

  it('a lowered per-entry limit: bigger entries are no longer read, and are removed', async () => {
    const cache = await openCache(tmp.dir, { memoryMaxBytes: 0 });
    const ws = cache.workspace(WS);
    await ws.store(key('big'), sampleRun('x'.repeat(20_000)));
    await ws.store(key('small'), sampleRun('y'));
    cache.setPolicy({ maxEntryBytes: 5000 });
    const big = await ws.lookup(key('big'));
    assert.deepEqual(big, { kind: 'miss', cause: { kind: 'invalid' }, defect: 'too-large' });
    assert.equal((await ws.lookup(key('small'))).kind, 'hit');
    await cache.close();
  });
});

describe('response cache: cancelled lookups', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('stop at once with a miss when the signal is aborted, before or while reading the disk; not counted as misses', async () => {
    const writer = await openCache(tmp.dir);
    await writer.workspace(WS).store(key('q'), sampleRun());
    await writer.close();
    // Entry reads wait until released: a disk (or network share) that is slow to answer.
    const held: Array<() => void> = [];
    let reads = 0;
    const slow = {
      ...nodeFs,
      readFile: (f: string, o: { maxBytes: number; prefix?: number }) => {
        if (!f.includes(`${path.sep}entries${path.sep}`)) return nodeFs.readFile(f, o);
        reads++;
        return new Promise<Awaited<ReturnType<typeof nodeFs.readFile>>>((resolve, reject) => held.push(() => nodeFs.readFile(f, o).then(resolve, reject)));
      },
    };
    const cache = await openCache(tmp.dir, { fs: slow, memoryMaxBytes: 0 });
    const ws = cache.workspace(WS);
    const before = new AbortController();
    before.abort();
    assert.deepEqual(await ws.lookup(key('q'), { signal: before.signal }), { kind: 'miss', cause: { kind: 'aborted' } });
    assert.equal(reads, 0, 'an aborted run does not touch the disk');

    const during = new AbortController();
    const pending = ws.lookup(key('q'), { signal: during.signal });
    while (reads === 0) await new Promise((r) => setImmediate(r));
    during.abort();
    assert.deepEqual(await pending, { kind: 'miss', cause: { kind: 'aborted' } }, 'returns although the read is still pending');
    assert.equal(await ws.explainMiss(key('q'), { kind: 'miss', cause: { kind: 'aborted' } }, { signal: during.signal }), 'the lookup was cancelled');
    for (const release of held.splice(0)) release();

    const later = ws.lookup(key('q'), { signal: new AbortController().signal });
    while (held.length === 0) await new Promise((r) => setImmediate(r));
    for (const release of held.splice(0)) release();
    assert.equal((await later).kind, 'hit', 'a signal that is not aborted changes nothing');
    await cache.flush();
    const s = await ws.stats();
    assert.deepEqual([s.hits, s.misses], [1, 0]);
    await cache.close();
  });
});

describe('response cache: eviction and sweeps', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('evicts least recently used entries first, down under the byte bound, with thousands of entries', async function () {
    this.timeout(180_000); // 5-10 s here, 2000 entries written and read one by one
    const N = 2000;
    const clock = testClock(Date.now() + HOUR); // ahead of the files' real mtimes
    // Hits record their use in the file's mtime without waiting for it: keep hold of those writes.
    const touches: Promise<void>[] = [];
    const fs = {
      ...nodeFs,
      utimes: (f: string, a: Date, m: Date) => {
        const touch = nodeFs.utimes(f, a, m);
        touches.push(touch);
        return touch;
      },
    };
    const cache = await openCache(tmp.dir, { clock, memoryMaxBytes: 0, fs });
    const ws = cache.workspace(WS);
    const run = sampleRun('y'.repeat(400));
    for (let i = 0; i < N; i++) await ws.store(key(`e${i}`), run);
    // Recency: every entry used once, in order, one second apart; then a favoured tenth used again, last.
    for (let i = 0; i < N; i++) {
      clock.advance(1000);
      assert.equal((await ws.lookup(key(`e${i}`))).kind, 'hit');
    }
    const favoured = new Set(Array.from({ length: N / 10 }, (_, i) => i * 10));
    for (const i of favoured) {
      clock.advance(1000);
      await ws.lookup(key(`e${i}`));
    }
    assert.ok(touches.length >= favoured.size, `${touches.length} uses recorded`);
    await Promise.allSettled(touches); // touches are fire-and-forget: every one has landed now
    const before = await cache.sweep({ force: true });
    assert.equal(before.evicted, 0);
    const entryBytes = before.bytes / before.entries;
    const bound = Math.floor(before.totalBytes / 2);
    const t0 = Date.now();
    const cache2 = await openCache(tmp.dir, { clock, memoryMaxBytes: 0, maxTotalBytes: bound });
    const report = await cache2.sweep({ force: true });
    const ms = Date.now() - t0;
    assert.ok(report.totalBytes <= bound, `${report.totalBytes} ≤ ${bound}`);
    assert.ok(report.totalBytes >= bound * 0.9 - 2 * entryBytes, 'evicts down to the low-water mark, not much further');
    const alive = (i: number) => existsSync(path.join(tmp.dir, 'response-cache-v1', 'workspaces', WS, 'entries', key(`e${i}`).hash.slice(0, 2), key(`e${i}`).hash));
    for (const i of favoured) assert.ok(alive(i), `recently used entry ${i} survived`);
    const others = [...Array(N).keys()].filter((i) => !favoured.has(i));
    const firstAlive = others.findIndex(alive);
    assert.ok(firstAlive > 0, 'the oldest went');
    assert.ok(others.slice(firstAlive).every(alive), 'only the least recently used went, in order');
    assert.ok(report.evicted > N / 4);
    assert.equal((await cache2.workspace(WS).stats()).evicted, report.evicted);
    console.log(`      (sweep of ${N * 2} files evicting ${report.evicted}: ${ms} ms)`);
    await cache.close();
    await cache2.close();
  });

  it('removes expired entries and old orphaned temporary files, never young ones; skips when another process swept recently', async () => {
    const clock = testClock();
    const cache = await openCache(tmp.dir, { clock, policy: { ttlMs: HOUR }, sweepMinIntervalMs: 60_000 });
    const ws = cache.workspace(WS);
    await ws.store(key('old'), sampleRun());
    const shard = path.join(tmp.dir, 'response-cache-v1', 'workspaces', WS, 'entries', key('x').hash.slice(0, 2));
    const youngTmp = path.join(shard, `${key('x').hash}.123.abc.tmp`);
    const oldTmp = path.join(shard, `${key('x').hash}.124.abd.tmp`);
    await nodeFs.mkdir(shard, { recursive: true });
    writeFileSync(youngTmp, 'partial');
    writeFileSync(oldTmp, 'partial');
    clock.advance(2 * HOUR);
    utimesSync(youngTmp, new Date(clock() - 59 * 60_000), new Date(clock() - 59 * 60_000));
    await ws.store(key('fresh'), sampleRun());
    const r = await cache.sweep();
    assert.equal(r.ran, true);
    assert.equal(r.tmpRemoved, 1);
    assert.equal(r.expiredRemoved, 1);
    assert.ok(existsSync(youngTmp) && !existsSync(oldTmp));
    assert.equal(r.entries, 1);
    assert.equal((await cache.sweep()).ran, false, 'within the lease interval');
    await cache.close();
  });
});

describe('response cache: removal races', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  /**
   * Another process writes a fresh entry at the instant between our judging
   * the old one (expired, or least recently used) and removing it. A plain
   * unlink would delete the fresh entry; ours must put it back.
   */
  for (const how of ['expired on read', 'expired in a sweep', 'evicted in a sweep'] as const) {
    it(`never deletes a fresh entry written just before removing a stale one (${how})`, async () => {
      const clock = testClock();
      const k = key('race');
      const file = path.join(tmp.dir, 'response-cache-v1', 'workspaces', WS, 'entries', k.hash.slice(0, 2), k.hash);
      const stale = await openCache(tmp.dir, { clock: () => clock() - (how === 'evicted in a sweep' ? 0 : 48 * HOUR) });
      await stale.workspace(WS).store(k, sampleRun('stale'));
      if (how === 'evicted in a sweep') utimesSync(file, new Date(0), new Date(0));
      const other = await openCache(tmp.dir, { clock });
      let raced = false;
      // The other process's write lands just before our removal moves the file.
      const racingFs = {
        ...nodeFs,
        rename: async (a: string, b: string) => {
          if (a === file && !raced) {
            raced = true;
            await other.workspace(WS).store(k, sampleRun('fresh'));
          }
          return nodeFs.rename(a, b);
        },
      };
      const me = await openCache(tmp.dir, { clock, fs: racingFs, memoryMaxBytes: 0, maxTotalBytes: how === 'evicted in a sweep' ? 1 : undefined });
      if (how === 'expired on read') assert.equal((await me.workspace(WS).lookup(k)).kind, 'miss');
      else await me.sweep({ force: true });
      assert.ok(raced, 'the race happened');
      const r = await (await openCache(tmp.dir, { clock, memoryMaxBytes: 0 })).workspace(WS).lookup(k);
      assert.ok(r.kind === 'hit' && r.run.outcome.result === 'fresh', 'the fresh entry survived');
      assert.deepEqual(listFiles(tmp.dir).filter((f) => f.endsWith('.del.tmp')), [], 'nothing left aside');
      for (const c of [stale, other, me]) await c.close();
    });
  }
});

describe('response cache: statistics across processes', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('persist, and sum what every window counted', async () => {
    const a = await openCache(tmp.dir);
    const b = await openCache(tmp.dir);
    await a.workspace(WS).store(key('q'), sampleRun());
    await a.workspace(WS).lookup(key('q'));
    await b.workspace(WS).lookup(key('q'));
    await b.workspace(WS).lookup(key('nope'));
    await a.close();
    await b.close();
    const c = await openCache(tmp.dir);
    const s = await c.workspace(WS).stats();
    assert.equal(s.hits, 2);
    assert.equal(s.memoryHits, 1);
    assert.equal(s.misses, 1);
    assert.equal(s.stored, 1);
    assert.equal(s.savedMs, 8400);
    assert.equal(s.savedTokens, 2400);
    assert.ok(Math.abs(s.savedCostUsd - 0.0246) < 1e-9);
    assert.equal(s.entries, 1);
    assert.ok(s.bytes > 0);
    const all = await c.stats();
    assert.equal(all.total.hits, 2);
    assert.equal(all.workspaces.length, 1);
    await c.close();
  });

  it('compaction folds idle files without losing or double-counting, whatever step a compactor dies at', async () => {
    const dir = path.join(tmp.dir, 'stats');
    const clock = testClock(Date.now() + 2 * 24 * HOUR);
    const sessions: StatsStore[] = [];
    for (let i = 0; i < 20; i++) {
      const s = new StatsStore(nodeFs, dir, { clock, flushDelayMs: 1 });
      s.add({ hits: 1, savedMs: 10 });
      await s.flush();
      sessions.push(s);
    }
    const reader = new StatsStore(nodeFs, dir, { clock });
    assert.equal((await reader.read()).hits, 20);

    // A compactor that died after claiming two files: they still count.
    const names = readdirSync(dir).filter((n) => n.startsWith('s-')).sort();
    const stale = clock() - 2 * 24 * HOUR;
    for (const n of names.slice(0, 2)) await nodeFs.rename(path.join(dir, n), path.join(dir, `${n}.claimed-dead-${stale}`));
    assert.equal((await reader.read()).hits, 20);
    // One that died after writing its merged file but before deleting what it folded: not counted twice.
    writeFileSync(path.join(dir, `${names[2]}.claimed-dead2-${clock()}`), JSON.stringify({ counters: { hits: 1, savedMs: 10 } }));
    rmSync(path.join(dir, names[2]));
    writeFileSync(path.join(dir, 'm-dead2-x.json'), JSON.stringify({ counters: { hits: 1, savedMs: 10 }, folded: [`${names[2]}.claimed-dead2-${clock()}`] }));
    assert.equal((await reader.read()).hits, 20);

    const folded = await reader.compact({ idleMs: 0, minFiles: 4 });
    assert.ok(folded >= 18, `${folded} folded`);
    assert.ok(readdirSync(dir).length <= 3, readdirSync(dir).join(', '));
    assert.deepEqual([(await reader.read()).hits, (await reader.read()).savedMs], [20, 200]);

    // A live session whose idle file was folded keeps counting from there, once.
    sessions[5].add({ hits: 1 });
    await sessions[5].flush();
    assert.equal((await reader.read()).hits, 21);
    sessions[5].add({ hits: 1 });
    await sessions[5].flush();
    assert.equal((await reader.read()).hits, 22);
    assert.equal(statSync(dir).isDirectory(), true);
  });
});
