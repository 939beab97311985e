// The cache folder treated as hostile (another local user, a bug, a planted file):
// nothing there can make the cache hang, read without bound, follow a link out of the
// folder or crash, and verify repairs a damaged layout. Every case runs its cache
// operations in a worker process killed at a deadline, so a hang fails the case.
import * as assert from 'node:assert/strict';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { folderWorkspaceId } from '../../src/headless/cacheCommand';
import { encodeSecret, newCacheSecret } from '../../src/core/cache/cacheSecret';
import { CacheFolder, kindAt, makeOutside, plantFifo, plantFile, plantLink, plantSparse, runHostile, runSteps, walkLstat } from './hostileSupport';
import { CRASH_ENV } from '../../src/core/cache/crashPoints';
import { startWorker } from './harness';
import { key, tempDir } from './support';

const GB = 1 << 30;
const MB = 1 << 20;
const posix = process.platform !== 'win32';

describe('hostile cache folder', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  let c: CacheFolder;
  let outsideDir: string;
  beforeEach(() => {
    tmp = tempDir('arc-hostile-');
    c = new CacheFolder(path.join(tmp.dir, 'storage'));
    outsideDir = path.join(tmp.dir, 'outside');
  });
  afterEach(() => tmp.cleanup());

  describe('FIFOs and huge files: nothing hangs, nothing is read without bound', () => {
    before(function () {
      if (!posix) this.skip(); // no FIFOs in the Windows file system
    });

    it('a FIFO at an entry path: the lookup misses, sweep and verify finish, verify removes it', async () => {
      await c.seed(['q', 'r']);
      plantFifo(c.entry('q'));
      const { values } = await runSteps(c.job([{ op: 'lookup', keys: ['q', 'r'] }, { op: 'sweep' }, { op: 'verify' }]));
      assert.equal(values[0][0].kind, 'miss');
      assert.equal(values[0][1].kind, 'hit', 'the other entry is fine');
      assert.equal(kindAt(c.entry('q')), 'absent', 'the lookup or verify removed the FIFO');
    });

    it('four FIFOs at once do not take the thread pool: other file I/O still completes', async () => {
      const keys = ['f1', 'f2', 'f3', 'f4'];
      await c.seed(keys);
      for (const k of keys) plantFifo(c.entry(k));
      const probe = path.join(tmp.dir, 'probe.txt');
      writeFileSync(probe, 'hello');
      const { values } = await runSteps(c.job([{ op: 'probe', file: probe, alongside: { op: 'lookup', keys } }, { op: 'lookup', keys }]));
      assert.deepEqual(values[0], { probed: 5 });
      assert.ok(values[1].every((r: { kind: string }) => r.kind === 'miss'));
    });

    it('a FIFO at a near-index path: explaining a miss finishes', async () => {
      await c.seed(['q']);
      rmSync(c.entry('q'));
      plantFifo(c.near('q'));
      const { values } = await runSteps(c.job([{ op: 'lookup', keys: ['q'], explain: true }, { op: 'verify' }]));
      assert.equal(values[0][0].kind, 'miss');
      assert.equal(typeof values[0][0].explained, 'string');
      assert.equal(kindAt(c.near('q')), 'absent');
      assert.deepEqual(values[1].skipped, [], 'nothing left to report');
    });

    it('a FIFO at a statistics file: statistics are read without it; verify repairs it', async () => {
      await c.seed(['q']);
      const fifo = path.join(c.statsDir, 's-999-fifo.json');
      plantFifo(fifo);
      const { values } = await runSteps(c.job([{ op: 'stats' }, { op: 'verify' }]));
      assert.equal(values[0].stored, 1, 'the real statistics file still counts');
      assert.ok(values[1].repaired.includes(c.rel(fifo)), JSON.stringify(values[1]));
      assert.equal(kindAt(fifo), 'absent');
    });

    it('a FIFO at the generation file: lookups, stores and clear finish', async () => {
      await c.seed(['q']);
      plantFifo(c.generation);
      const { values } = await runSteps(c.job([{ op: 'lookup', keys: ['q'] }, { op: 'store', key: 'n' }, { op: 'verify' }, { op: 'clear' }, { op: 'lookup', keys: ['q'] }], { memory: true }));
      assert.equal(values[0][0].kind, 'hit');
      assert.equal(values[1].kind, 'stored');
      assert.ok(values[2].repaired.includes(c.rel(c.generation)), JSON.stringify(values[2]));
      assert.equal(values[4][0].kind, 'miss');
      assert.equal(kindAt(c.generation), 'file');
    });

    it('a FIFO as the headless key file: refused with a reason, no hang', async () => {
      plantFifo(c.keyFile);
      const outcome = await runHostile(c.job([{ op: 'secret' }]));
      assert.equal(outcome.steps[0].ok, false);
      assert.match(outcome.steps[0].error!, /not a regular file/);
    });

    it('a 2 GB sparse entry: the lookup misses without reading it (little memory); verify removes it', async () => {
      await c.seed(['q', 'big']);
      plantSparse(c.entry('big'), 2 * GB);
      const { values, outcome } = await runSteps(c.job([{ op: 'lookup', keys: ['big', 'q'] }]));
      assert.deepEqual(values[0][0], { kind: 'miss', cause: 'invalid', defect: 'too-large' });
      assert.equal(values[0][1].kind, 'hit');
      assert.ok(outcome.peakRssGrowth < 200 * MB, `peak memory grew by ${Math.round(outcome.peakRssGrowth / MB)} MB`);
      assert.equal(kindAt(c.entry('big')), 'absent', 'too large to be an entry: removed');
      plantSparse(c.entry('big'), 2 * GB);
      const second = await runSteps(c.job([{ op: 'sweep' }]));
      assert.equal(second.values[0].invalidRemoved, 1, 'so does a sweep');
      plantSparse(c.entry('big'), 2 * GB);
      const third = await runSteps(c.job([{ op: 'verify' }]));
      assert.deepEqual(third.values[0].removedByDefect, { 'too-large': 1 }, 'and verify');
      for (const o of [second.outcome, third.outcome]) assert.ok(o.peakRssGrowth < 200 * MB, `peak memory grew by ${Math.round(o.peakRssGrowth / MB)} MB`);
      assert.equal(kindAt(c.entry('big')), 'absent');
    });

    it('huge sparse near-index, statistics and generation files: read without bound nowhere', async () => {
      await c.seed(['q']);
      rmSync(c.entry('q'));
      plantSparse(c.near('q'), 2 * GB);
      plantSparse(path.join(c.statsDir, 's-999-big.json'), 2 * GB);
      plantSparse(c.generation, 2 * GB);
      const bigStats = path.join(c.statsDir, 's-999-big.json');
      const { values, outcome } = await runSteps(c.job([{ op: 'lookup', keys: ['q'], explain: true }, { op: 'store', key: 'n' }, { op: 'lookup', keys: ['n'] }, { op: 'stats' }, { op: 'sweep' }, { op: 'verify' }], { memory: true }));
      assert.equal(values[0][0].kind, 'miss');
      assert.equal(values[0][0].explained, 'not cached yet', 'the oversized near record was not read');
      assert.equal(values[1].kind, 'stored');
      assert.equal(values[2][0].kind, 'hit');
      assert.equal(values[3].stored, 2, 'the statistics of the seed and of this process, not the 2 GB file');
      assert.ok(values[5].repaired.includes(c.rel(bigStats)) && values[5].repaired.includes(c.rel(c.generation)), JSON.stringify(values[5]));
      assert.ok(outcome.peakRssGrowth < 200 * MB, `peak memory grew by ${Math.round(outcome.peakRssGrowth / MB)} MB`);
      assert.equal(kindAt(c.near('q')), 'absent');
      assert.equal(kindAt(bigStats), 'absent');
    });
  });

  describe('links: never followed out of the cache folder', () => {
    before(function () {
      if (!posix) this.skip(); // symbolic links need privileges on Windows
    });

    it('a link at the trash folder: sweeps and clears delete nothing outside; verify puts a folder there', async () => {
      const intact = makeOutside(outsideDir);
      const before = intact();
      await c.seed(['q']);
      plantLink(c.trash, outsideDir);
      const { values } = await runHostile(c.job([{ op: 'sweep' }, { op: 'clear' }, { op: 'sweep' }, { op: 'verify' }, { op: 'clear' }])).then((o) => ({ values: o.steps }));
      assert.equal(intact(), before, 'nothing outside the cache was touched');
      assert.ok(values[3].ok && (values[3].value as { repaired: string[] }).repaired.includes('trash'), JSON.stringify(values[3]));
      assert.equal(kindAt(c.trash), 'dir');
      assert.equal(values[4].ok, true, 'clear works once the trash is a folder again');
    });

    it('a link at a shard folder: lookups, stores, sweeps and verify leave its target alone', async () => {
      const hash = key('x').hash;
      const intact = makeOutside(outsideDir, [hash]);
      const before = intact();
      await c.seed(['q']);
      plantLink(c.shard('x'), outsideDir);
      const { values } = await runSteps(c.job([{ op: 'lookup', keys: ['x'] }, { op: 'store', key: 'x' }, { op: 'sweep' }, { op: 'stats' }]));
      assert.equal(intact(), before, 'nothing outside the cache was touched');
      assert.equal(values[0][0].kind, 'miss');
      assert.equal(values[1].kind, 'not-stored', 'a store does not write through the link');
      assert.match(values[1].reason, /verify/);
      assert.ok(values[2].skipped.includes(c.rel(c.shard('x'))), JSON.stringify(values[2]));
      const after = await runSteps(c.job([{ op: 'verify' }, { op: 'store', key: 'x' }, { op: 'lookup', keys: ['x', 'q'] }]));
      assert.equal(intact(), before);
      assert.ok(after.values[0].repaired.includes(c.rel(c.shard('x'))), JSON.stringify(after.values[0]));
      assert.equal(kindAt(c.shard('x')), 'dir');
      assert.equal(after.values[1].kind, 'stored');
      assert.deepEqual(after.values[2].map((r: { kind: string }) => r.kind), ['hit', 'hit']);
    });

    it('a link at workspaces/<id>: clear, sweep and verify delete nothing outside', async () => {
      const intact = makeOutside(outsideDir);
      const before = intact();
      await c.seed(['q']);
      plantLink(c.wsDir, outsideDir);
      const outcome = await runHostile(c.job([{ op: 'clear' }, { op: 'clear', all: true }, { op: 'sweep' }, { op: 'stats' }, { op: 'verify', all: true }]));
      assert.equal(intact(), before, 'nothing outside the cache was touched');
      assert.ok(outcome.steps[2].ok && outcome.steps[4].ok, JSON.stringify(outcome.steps));
      assert.ok((outcome.steps[4].value as { repaired: string[] }).repaired.includes(c.rel(c.wsDir)), JSON.stringify(outcome.steps[4]));
      assert.equal(kindAt(c.wsDir), 'dir');
    });

    it('links at an entry, a statistics file and the sweep lease: never read or written through, reported by verify', async () => {
      const intact = makeOutside(outsideDir);
      const before = intact();
      await c.seed(['q', 'r']);
      const statsLink = path.join(c.statsDir, 's-999-link.json');
      plantLink(c.entry('q'), path.join(outsideDir, 'keep.txt'));
      plantLink(statsLink, path.join(outsideDir, 'stats', 's-1-x.json'));
      plantLink(c.lease, path.join(outsideDir, 'keep.txt'));
      const { values } = await runSteps(c.job([{ op: 'lookup', keys: ['q', 'r'] }, { op: 'stats' }, { op: 'sweep' }, { op: 'verify', all: true }]));
      assert.equal(intact(), before, 'nothing outside the cache was touched');
      assert.equal(values[0][0].kind, 'miss');
      assert.equal(values[0][1].kind, 'hit');
      assert.equal(values[1].hits, 1, 'the hit just now, not the 5 of the linked statistics file');
      assert.ok(values[3].skipped.includes(c.rel(c.entry('q'))), JSON.stringify(values[3]));
      assert.ok(values[3].skipped.includes(c.rel(statsLink)), JSON.stringify(values[3]));
      // A store replaces the link itself (rename), never writing to its target.
      const again = await runSteps(c.job([{ op: 'store', key: 'q' }, { op: 'lookup', keys: ['q'] }]));
      assert.equal(again.values[0].kind, 'stored');
      assert.equal(again.values[1][0].kind, 'hit');
      assert.equal(intact(), before);
    });

    it('folders owned by another user: skipped and reported, nothing in them touched', async function () {
      if (process.getuid?.() !== 0) {
        console.log('      (skipped: needs root to chown a folder to another user)');
        this.skip();
      }
      await c.seed(['q', 'x']);
      const shard = c.shard('x');
      const junk = path.join(shard, `${key('x').hash.slice(0, 2)}${'f'.repeat(62)}`);
      writeFileSync(junk, 'junk that a sweep would remove');
      chownSync(shard, 65534, 65534);
      const before = readFileSync(c.entry('x'));
      const { values } = await runSteps(c.job([{ op: 'sweep' }, { op: 'verify' }, { op: 'lookup', keys: ['x', 'q'] }]));
      assert.ok(values[0].skipped.includes(c.rel(shard)), JSON.stringify(values[0]));
      assert.ok(values[1].skipped.includes(c.rel(shard)), JSON.stringify(values[1]));
      assert.equal(readFileSync(junk, 'utf8'), 'junk that a sweep would remove');
      assert.deepEqual(readFileSync(c.entry('x')), before);
      assert.equal(values[2][1].kind, 'hit');
    });
  });

  describe('modes', () => {
    before(function () {
      if (!posix) this.skip();
    });

    it('creates folders 0700 and files 0600 (temporary files included); verify tightens what others can read', async () => {
      const { values } = await runSteps(c.job([{ op: 'store', key: 'q' }, { op: 'stats' }, { op: 'sweep' }, { op: 'clear' }, { op: 'store', key: 'r' }]));
      assert.equal(values[4].kind, 'stored');
      const all = walkLstat(c.dir);
      assert.ok(all.length > 5);
      for (const f of all) assert.equal(f.mode, f.kind === 'dir' ? 0o700 : 0o600, `${f.rel} is ${f.mode.toString(8)}`);
      assert.equal(statSync(c.dir).mode & 0o777, 0o700);
      // A writer killed between writing its temporary file and renaming it leaves the file: 0600 too.
      const w = startWorker({ role: 'writer', root: c.root, name: 'w', keys: ['k0'], count: 1 }, { [CRASH_ENV]: 'after-tmp-write' });
      assert.equal((await w.exited).signal, 'SIGKILL', w.stderr);
      const orphans = walkLstat(c.dir).filter((f) => f.rel.endsWith('.tmp'));
      assert.ok(orphans.length >= 1, 'the orphan is there');
      for (const f of orphans) assert.equal(f.mode, 0o600, `${f.rel} is ${f.mode.toString(8)}`);
      // Older caches (or a careless copy) may have left these open to others.
      chmodSync(c.entry('r'), 0o644);
      chmodSync(c.shard('r'), 0o755);
      const v = await runSteps(c.job([{ op: 'verify' }]));
      assert.ok(v.values[0].repaired.includes(c.rel(c.entry('r'))), JSON.stringify(v.values[0]));
      assert.ok(v.values[0].repaired.includes(c.rel(c.shard('r'))), JSON.stringify(v.values[0]));
      assert.equal(lstatSync(c.entry('r')).mode & 0o777, 0o600);
      assert.equal(lstatSync(c.shard('r')).mode & 0o777, 0o700);
    });

    it('refuses a key file others can read, a linked one, and one owned by another user', async () => {
      mkdirSync(c.root, { recursive: true });
      writeFileSync(c.keyFile, encodeSecret(newCacheSecret()));
      chmodSync(c.keyFile, 0o644);
      const open = await runHostile(c.job([{ op: 'secret' }]));
      assert.match(open.steps[0].error ?? '', /chmod 600/);
      const real = path.join(tmp.dir, 'real.key');
      writeFileSync(real, encodeSecret(newCacheSecret()), { mode: 0o600 });
      plantLink(c.keyFile, real);
      const linked = await runHostile(c.job([{ op: 'secret' }]));
      assert.match(linked.steps[0].error ?? '', /link/);
      if (process.getuid?.() === 0) {
        rmSync(c.keyFile);
        writeFileSync(c.keyFile, encodeSecret(newCacheSecret()), { mode: 0o600 });
        chownSync(c.keyFile, 65534, 65534);
        const foreign = await runHostile(c.job([{ op: 'secret' }]));
        assert.match(foreign.steps[0].error ?? '', /another user/);
      }
    });
  });

  describe('files where folders belong', () => {
    // `off`: the cache cannot even open there; it turns itself off with a warning that says what to do.
    const layouts: { name: string; at: (c: CacheFolder) => string; plant?: 'file' | 'link'; off?: boolean }[] = [
      { name: 'a shard folder is a file', at: (c) => c.shard('x') },
      { name: 'the entries folder is a file', at: (c) => path.join(c.wsDir, 'entries') },
      { name: 'the near-index folder is a file', at: (c) => path.join(c.wsDir, 'near') },
      { name: 'the statistics folder is a file', at: (c) => c.statsDir },
      { name: 'workspaces/<id> is a file', at: (c) => c.wsDir },
      { name: 'the trash folder is a file', at: (c) => c.trash },
      { name: 'the trash folder is a link', at: (c) => c.trash, plant: 'link' },
      { name: 'the workspaces folder is a file', at: (c) => path.join(c.dir, 'workspaces'), off: true },
      { name: 'the workspaces folder is a link', at: (c) => path.join(c.dir, 'workspaces'), plant: 'link', off: true },
      { name: 'the cache folder itself is a link', at: (c) => c.dir, plant: 'link', off: true },
    ];
    for (const l of layouts) {
      it(`${l.name}: lookups miss, stores say why, sweeps finish; verify repairs it and says so`, async function () {
        if (l.plant === 'link' && !posix) this.skip();
        const intact = makeOutside(outsideDir, [key('x').hash]);
        const before = intact();
        await c.seed(['q']);
        const at = l.at(c);
        if (l.plant === 'link') plantLink(at, outsideDir);
        else plantFile(at);
        const damaged = await runHostile(c.job([{ op: 'lookup', keys: ['x', 'q'] }, { op: 'store', key: 'x' }, { op: 'sweep' }, { op: 'stats' }]));
        for (const [i, s] of damaged.steps.entries()) assert.ok(s.ok, `step ${i}: ${s.error}`);
        const [lookups, stored] = damaged.steps.map((s) => s.value as any);
        assert.equal(lookups[0].kind, 'miss');
        if (l.off) assert.ok(damaged.warnings.some((w) => /damaged/.test(w) && /verify/.test(w)), damaged.warnings.join('\n'));
        else if (stored.kind === 'not-stored') assert.match(stored.reason, /verify/, stored.reason);
        const { values } = await runSteps(c.job([{ op: 'verify' }, { op: 'store', key: 'x' }, { op: 'lookup', keys: ['x'] }, { op: 'sweep' }]));
        assert.ok(values[0].repaired.includes(c.rel(at)), JSON.stringify(values[0]));
        assert.equal(kindAt(at), 'dir', 'the right folder is back');
        assert.equal(values[1].kind, 'stored', 'and the cache works again');
        assert.equal(values[2][0].kind, 'hit');
        assert.deepEqual(values[3].skipped, []);
        assert.equal(intact(), before, 'nothing outside the cache was touched');
      });
    }

    it('headless `cache verify` repairs a damaged layout, exits 0 and prints what it repaired', async () => {
      const cwd = path.join(tmp.dir, 'project');
      mkdirSync(cwd);
      const folder = new CacheFolder(c.root, folderWorkspaceId(cwd));
      await folder.seed(['q']);
      const intact = makeOutside(outsideDir);
      const before = intact();
      plantFile(folder.shard('x'));
      if (posix) plantLink(folder.trash, outsideDir);
      else plantFile(folder.trash);
      const cleared = await runSteps(folder.job([{ op: 'cli', action: 'clear', json: true, cwd }]));
      assert.equal(cleared.values[0].code, 1, 'clear refuses to move anything through the link');
      assert.equal(intact(), before);
      const text = await runSteps(folder.job([{ op: 'cli', action: 'verify', json: false, cwd }]));
      assert.equal(text.values[0].code, 0);
      assert.match(text.values[0].stdout, /repaired/);
      assert.ok(text.values[0].stdout.includes(folder.rel(folder.shard('x'))), text.values[0].stdout);
      assert.ok(text.values[0].stdout.includes('trash'), text.values[0].stdout);
      plantFile(folder.shard('x'));
      const json = await runSteps(folder.job([{ op: 'cli', action: 'verify', json: true, cwd, all: true }]));
      assert.equal(json.values[0].code, 0);
      const report = JSON.parse(json.values[0].stdout);
      assert.deepEqual(report.repaired, [folder.rel(folder.shard('x'))]);
      assert.equal(report.valid, 2, 'the answer and its near record');
      assert.equal((await runSteps(folder.job([{ op: 'cli', action: 'clear', json: true, cwd }]))).values[0].code, 0);
      assert.equal(intact(), before);
    });
  });
});
