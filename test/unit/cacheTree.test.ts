import * as assert from 'node:assert/strict';
import { chownSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CacheTree } from '../../src/core/cache/cacheTree';
import { nodeFs, RefusedPath } from '../../src/core/cache/fsLike';
import { snapshot } from '../cache/hostileSupport';
import { tempDir } from '../cache/support';

const posix = process.platform !== 'win32';

describe('link-safe folder work in the cache folder', () => {
  let tmp: ReturnType<typeof tempDir>;
  let base: string;
  let outside: string;
  let tree: CacheTree;
  beforeEach(function () {
    if (!posix) this.skip(); // links need privileges on Windows
    tmp = tempDir();
    base = path.join(tmp.dir, 'root', 'response-cache-v1');
    outside = path.join(tmp.dir, 'outside');
    mkdirSync(path.join(outside, 'sub'), { recursive: true });
    writeFileSync(path.join(outside, 'keep.txt'), 'precious');
    writeFileSync(path.join(outside, 'sub', 'deep.txt'), 'precious too');
    tree = new CacheTree(nodeFs, base);
  });
  afterEach(() => tmp?.cleanup());

  it('creates folders 0700 level by level, and refuses a link or a file on the way', async () => {
    await tree.ensureDir(path.join(base, 'a', 'b'));
    for (const d of [base, path.join(base, 'a'), path.join(base, 'a', 'b')]) assert.equal(lstatSync(d).mode & 0o777, 0o700, d);
    symlinkSync(outside, path.join(base, 'link'));
    await assert.rejects(tree.ensureDir(path.join(base, 'link', 'x')), (err: unknown) => err instanceof RefusedPath && err.refusal === 'link');
    writeFileSync(path.join(base, 'file'), '');
    await assert.rejects(tree.ensureDir(path.join(base, 'file', 'x')), (err: unknown) => err instanceof RefusedPath && err.refusal === 'not-a-folder');
    assert.equal((await tree.checkDir(path.join(base, 'link', 'x'))) instanceof RefusedPath, true);
    assert.equal(await tree.checkDir(path.join(base, 'a', 'nope')), 'absent');
    assert.equal(await tree.checkDir(path.join(base, 'a', 'b')), undefined);
    await assert.rejects(tree.checkDir(path.join(tmp.dir, 'x')), TypeError, 'never outside the cache folder');
  });

  it('removes a folder with links in it as links: their targets are untouched', async () => {
    const before = snapshot(outside);
    const doomed = path.join(base, 'trash', 'x');
    mkdirSync(path.join(doomed, 'inner'), { recursive: true });
    writeFileSync(path.join(doomed, 'inner', 'f'), 'mine');
    symlinkSync(outside, path.join(doomed, 'to-folder'));
    symlinkSync(path.join(outside, 'keep.txt'), path.join(doomed, 'inner', 'to-file'));
    assert.equal(await tree.remove(doomed), true);
    assert.throws(() => lstatSync(doomed));
    assert.equal(snapshot(outside), before);
    // A link itself is removed as a link, even where a folder is expected.
    const link = path.join(base, 'trash', 'link');
    symlinkSync(outside, link);
    assert.equal(await tree.discard(link), true);
    assert.equal(snapshot(outside), before);
    assert.equal(readFileSync(path.join(outside, 'sub', 'deep.txt'), 'utf8'), 'precious too');
  });

  it('leaves what another user owns, and says so', async function () {
    if (process.getuid?.() !== 0) this.skip(); // chown to another user needs root
    const doomed = path.join(base, 'trash', 'x');
    mkdirSync(path.join(doomed, 'theirs'), { recursive: true });
    writeFileSync(path.join(doomed, 'theirs', 'f'), 'not mine');
    writeFileSync(path.join(doomed, 'mine'), 'mine');
    chownSync(path.join(doomed, 'theirs'), 65534, 65534);
    const skipped: string[] = [];
    assert.equal(await tree.remove(doomed, skipped), false);
    assert.deepEqual(skipped, ['trash/x/theirs']);
    assert.equal(readFileSync(path.join(doomed, 'theirs', 'f'), 'utf8'), 'not mine');
    assert.throws(() => lstatSync(path.join(doomed, 'mine')));
  });

  it('reads only regular files within the bound, through a descriptor that follows no link', async () => {
    await tree.ensureDir(base);
    const file = path.join(base, 'f');
    writeFileSync(file, 'hello');
    const { bytes, stat } = await nodeFs.readFile(file, { maxBytes: 5 });
    assert.equal(bytes.toString(), 'hello');
    assert.equal(stat.size, 5);
    assert.equal((await nodeFs.readFile(file, { maxBytes: 5, prefix: 2 })).bytes.toString(), 'he');
    const refusal = (p: string, maxBytes = 100) => nodeFs.readFile(p, { maxBytes }).then(() => 'read', (err) => (err instanceof RefusedPath ? err.refusal : String(err)));
    assert.equal(await refusal(file, 4), 'too-large');
    symlinkSync(path.join(outside, 'keep.txt'), path.join(base, 'link'));
    assert.equal(await refusal(path.join(base, 'link')), 'link');
    assert.equal(await refusal(base), 'not-a-file');
  });
});
