import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { RunOutcome } from '../../src/core/agents/events';
import type { AgentProvider } from '../../src/core/agents/provider';
import { renameWithRetry, writeAtomic } from '../../src/core/cache/atomicWrite';
import { CachingProvider } from '../../src/core/cache/cachingProvider';
import { nodeFs } from '../../src/core/cache/fsLike';
import { nullLogger } from '../../src/core/log';
import { faultyFs, key, keyInput, openCache, sampleRun, tempDir, WS, type FsOp } from '../cache/support';

const errno = (code: string) => Object.assign(new Error(code), { code });

describe('atomic writes and Windows-style rename retries', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  for (const code of ['EPERM', 'EBUSY', 'EACCES']) {
    it(`retries a rename refused with ${code} (antivirus, indexer), with growing back-off`, async () => {
      let failures = 2;
      const sleeps: number[] = [];
      const fs = { ...nodeFs, rename: async (a: string, b: string) => (failures-- > 0 ? Promise.reject(errno(code)) : nodeFs.rename(a, b)) };
      await writeAtomic(fs, path.join(tmp.dir, 'sub', 'f'), Buffer.from('data'), { retry: { attempts: 5, baseDelayMs: 10, sleep: async (ms) => void sleeps.push(ms) } });
      assert.deepEqual(sleeps, [10, 20]);
      assert.deepEqual(readdirSync(path.join(tmp.dir, 'sub')), ['f'], 'no temporary file left');
    });
  }

  it('gives up after the last attempt, removes its temporary file, and does not retry other errors', async () => {
    let calls = 0;
    const always = { ...nodeFs, rename: async () => (calls++, Promise.reject(errno('EPERM'))) };
    await assert.rejects(writeAtomic(always, path.join(tmp.dir, 'f'), Buffer.from('x'), { retry: { attempts: 4, baseDelayMs: 0, sleep: async () => undefined } }), { code: 'EPERM' });
    assert.equal(calls, 4);
    assert.deepEqual(readdirSync(tmp.dir), []);
    calls = 0;
    const other = { ...nodeFs, rename: async () => (calls++, Promise.reject(errno('EXDEV'))) };
    await assert.rejects(renameWithRetry(other, 'a', 'b', { attempts: 4, baseDelayMs: 0, sleep: async () => undefined }), { code: 'EXDEV' });
    assert.equal(calls, 1);
  });
});

describe('unusable storage', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  const scenarios: { name: string; code: string; when: FsOp; at: 'open' | 'store' | 'lookup' }[] = [
    { name: 'a full disk', code: 'ENOSPC', when: 'writeFile', at: 'store' },
    { name: 'a read-only file system', code: 'EROFS', when: 'writeFile', at: 'open' },
    { name: 'no permission (mkdir)', code: 'EACCES', when: 'mkdir', at: 'open' },
    { name: 'no permission to read', code: 'EACCES', when: 'readFile', at: 'lookup' },
    { name: 'a rename refused for good (EPERM after the retries)', code: 'EPERM', when: 'rename', at: 'store' },
    { name: 'a quota', code: 'EDQUOT', when: 'writeFile', at: 'store' },
  ];
  for (const s of scenarios) {
    it(`turns the cache off once, with one warning, on ${s.name} (${s.code}); runs go on`, async () => {
      let failing = s.at === 'open';
      const fs = faultyFs((op) => (failing && op === s.when ? s.code : undefined));
      const warnings: string[] = [];
      const states: boolean[] = [];
      const cache = await openCache(tmp.dir, { fs, onWarning: (m) => warnings.push(m), memoryMaxBytes: 0 });
      cache.onActivity((a) => a.type === 'state' && states.push(a.on));
      const ws = cache.workspace(WS);
      if (s.at === 'lookup') {
        await ws.store(key('q'), sampleRun());
        await cache.flush();
      }
      failing = true;
      if (s.at === 'store') assert.equal((await ws.store(key('q'), sampleRun())).kind, 'not-stored');
      if (s.at === 'lookup') assert.deepEqual(await ws.lookup(key('q')), { kind: 'miss', cause: { kind: 'cache-off' } });
      assert.equal(cache.state.on, false);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /response cache is off/);
      assert.match(warnings[0], new RegExp(s.code));
      // Everything after is a quiet no-op: no more warnings, no storage calls.
      const callsBefore = fs.calls.length;
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(await ws.lookup(key(`z${i}`)), { kind: 'miss', cause: { kind: 'cache-off' } });
        assert.deepEqual(await ws.store(key(`z${i}`), sampleRun()), { kind: 'not-stored', reason: 'the cache is off' });
      }
      await cache.flush();
      assert.equal(fs.calls.length, callsBefore, 'an off cache leaves the disk alone');
      // A run through the caching provider still runs, uncached.
      const inner: AgentProvider = { id: 'claude', displayName: 'Claude', run: async (_r, ctx) => (ctx.emit({ type: 'text', text: 'live' }), { status: 'succeeded', durationMs: 5 } as RunOutcome) };
      const provider = new CachingProvider(inner, { cache: ws, describe: () => ({ key: keyInput(), readOnly: true, readsWorkspace: false }), fingerprint: async () => undefined });
      const events: unknown[] = [];
      const outcome = await provider.run({ prompt: 'p', cwd: tmp.dir, options: {} }, { emit: (e) => events.push(e), signal: new AbortController().signal, logger: nullLogger });
      assert.equal(outcome.status, 'succeeded');
      assert.deepEqual(events, [{ type: 'cache', status: 'miss', reason: 'the cache is off' }, { type: 'text', text: 'live' }]);
      assert.equal(warnings.length, 1);
      assert.equal(states.filter((x) => !x).length, s.at === 'open' ? 0 : 1);
      // Once the storage is fixed, it can be turned back on.
      failing = false;
      assert.equal(await cache.reenable(), true);
      assert.equal((await ws.store(key('after'), sampleRun())).kind, 'stored');
      await cache.close();
    });
  }

  it('does not turn off for a lost race (ENOENT on rename: a clear moved the folder away)', async () => {
    let once = true;
    const fs = faultyFs((op) => (op === 'rename' && once ? ((once = false), 'ENOENT') : undefined));
    const warnings: string[] = [];
    const cache = await openCache(tmp.dir, { fs, onWarning: (m) => warnings.push(m) });
    const r = await cache.workspace(WS).store(key('q'), sampleRun());
    assert.deepEqual(r, { kind: 'not-stored', reason: 'could not write the entry (ENOENT)' });
    assert.equal(cache.state.on, true);
    assert.equal(warnings.length, 0);
    assert.equal((await cache.workspace(WS).store(key('q'), sampleRun())).kind, 'stored');
    await cache.close();
  });

  it('a transient EPERM on rename is retried and the entry stored, with no warning', async () => {
    let n = 2;
    const fs = faultyFs((op) => (op === 'rename' && n-- > 0 ? 'EPERM' : undefined));
    const warnings: string[] = [];
    const cache = await openCache(tmp.dir, { fs, onWarning: (m) => warnings.push(m) });
    assert.equal((await cache.workspace(WS).store(key('q'), sampleRun())).kind, 'stored');
    assert.equal(fs.calls.filter((c) => c.op === 'rename' && c.error === 'EPERM').length, 2);
    assert.equal(cache.state.on, true);
    assert.deepEqual(warnings, []);
    await cache.close();
  });
});
