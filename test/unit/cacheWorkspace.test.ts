import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { canonicalLocation, isWorkspaceId, workspaceId } from '../../src/core/cache/workspaceId';
import { untrackedFromStatus, workspaceFingerprint } from '../../src/core/cache/workspaceFingerprint';
import { tempDir } from '../cache/support';

describe('workspace id', () => {
  it('is stable for the same folder however it is spelled', () => {
    const id = workspaceId({ folders: ['file:///home/me/proj'] });
    assert.ok(id && isWorkspaceId(id));
    assert.equal(workspaceId({ folders: ['/home/me/proj'] }), id, 'headless path = VS Code URI');
    assert.equal(workspaceId({ folders: ['/home/me/proj/'] }), id);
    assert.equal(workspaceId({ folders: ['/home/me/./x/../proj'] }), id);
    assert.equal(workspaceId({ folders: ['FILE:///home/me/proj'] }), id);
    // Windows: VS Code writes `file:///c%3A/Users/Me/Proj`; the CLI gets `C:\Users\Me\Proj`.
    const win = workspaceId({ folders: ['file:///c%3A/Users/Me/Proj'] });
    assert.equal(workspaceId({ folders: ['C:\\Users\\Me\\Proj\\'] }), win);
    assert.equal(workspaceId({ folders: ['c:/users/me/proj'] }), win, 'Windows paths compare without case');
    assert.equal(workspaceId({ folders: ['file://server/share/proj'] }), workspaceId({ folders: ['\\\\server\\share\\proj'] }), 'UNC');
    // The order of folders in an untitled multi-root window does not matter.
    assert.equal(workspaceId({ folders: ['/a', '/b'] }), workspaceId({ folders: ['/b', '/a', '/a'] }));
    assert.equal(workspaceId({ workspaceFile: 'untitled:Untitled-1', folders: ['/a', '/b'] }), workspaceId({ folders: ['/b', '/a'] }));
  });

  it('is distinct for different folders, workspaces and remotes', () => {
    const ids = [
      workspaceId({ folders: ['/home/me/proj'] }),
      workspaceId({ folders: ['/home/me/Proj'] }), // POSIX paths are case-sensitive
      workspaceId({ folders: ['/home/me/proj2'] }),
      workspaceId({ folders: ['/home/me/proj', '/home/me/lib'] }),
      workspaceId({ workspaceFile: 'file:///home/me/proj.code-workspace', folders: ['/home/me/proj'] }),
      workspaceId({ workspaceFile: 'file:///home/me/other.code-workspace', folders: ['/home/me/proj'] }),
      workspaceId({ folders: ['vscode-remote://ssh-remote+host/home/me/proj'] }),
      workspaceId({ folders: ['vscode-remote://ssh-remote+other/home/me/proj'] }),
    ];
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(workspaceId({ folders: [] }), undefined, 'no folder: no cache');
    assert.equal(workspaceId({ workspaceFile: 'untitled:x', folders: [] }), undefined);
  });

  it('canonicalises remote URIs without touching path case', () => {
    assert.equal(canonicalLocation('vscode-remote://SSH-Remote+Host/Home/x/'), 'vscode-remote://ssh-remote+host/Home/x');
    assert.equal(canonicalLocation('/tmp/a%20b'), 'file:/tmp/a%20b', 'a path is not URI-decoded');
    assert.equal(canonicalLocation('file:///tmp/a%20b'), 'file:/tmp/a b');
  });
});

describe('workspace fingerprint (real git)', function () {
  this.timeout(20_000);
  let repo: { dir: string; cleanup(): void };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo.dir, stdio: 'pipe', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });

  beforeEach(() => {
    repo = tempDir('arc-git-');
    git('init', '-q');
  });
  afterEach(() => repo.cleanup());

  it('is undefined outside git, and for a missing git', async () => {
    const plain = tempDir('arc-nogit-');
    try {
      // GIT_CEILING_DIRECTORIES would not stop a repo above /tmp; none exists there on CI.
      assert.equal(await workspaceFingerprint(plain.dir), undefined);
      assert.equal(await workspaceFingerprint(repo.dir, { git: '/nonexistent/git' }), undefined);
    } finally {
      plain.cleanup();
    }
  });

  it('changes on an edit, an untracked file, staging-neutral edits and a commit; is stable otherwise', async () => {
    writeFileSync(path.join(repo.dir, 'a.txt'), 'one\n');
    const unborn = await workspaceFingerprint(repo.dir);
    assert.equal(unborn?.head, 'unborn');
    git('add', '.');
    git('commit', '-qm', 'first');
    const clean = await workspaceFingerprint(repo.dir);
    assert.match(clean!.head, /^[0-9a-f]{40,64}$/);
    assert.deepEqual(await workspaceFingerprint(repo.dir), clean, 'stable when nothing changed');
    mkdirSync(path.join(repo.dir, 'sub'));
    assert.deepEqual(await workspaceFingerprint(path.join(repo.dir, 'sub')), clean, 'same repository from a subfolder');

    writeFileSync(path.join(repo.dir, 'a.txt'), 'two\n');
    const edited = await workspaceFingerprint(repo.dir);
    assert.equal(edited!.head, clean!.head);
    assert.notEqual(edited!.changes, clean!.changes);
    writeFileSync(path.join(repo.dir, 'a.txt'), 'three\n');
    const editedAgain = await workspaceFingerprint(repo.dir);
    assert.notEqual(editedAgain!.changes, edited!.changes, 'a second edit of a modified file changes it again');

    writeFileSync(path.join(repo.dir, 'sub', 'new.txt'), 'x');
    const untracked = await workspaceFingerprint(repo.dir);
    assert.notEqual(untracked!.changes, editedAgain!.changes);
    writeFileSync(path.join(repo.dir, 'sub', 'new.txt'), 'y');
    const untrackedEdited = await workspaceFingerprint(repo.dir);
    assert.notEqual(untrackedEdited!.changes, untracked!.changes, 'the content of untracked files counts, not only their names');

    git('add', '.');
    git('commit', '-qm', 'second');
    const committed = await workspaceFingerprint(repo.dir);
    assert.notEqual(committed!.head, clean!.head);
    assert.equal(committed!.changes, clean!.changes, 'a clean tree hashes the same on any commit');

    writeFileSync(path.join(repo.dir, '.gitignore'), 'ignored.txt\n');
    git('add', '.');
    git('commit', '-qm', 'ignore');
    const before = await workspaceFingerprint(repo.dir);
    writeFileSync(path.join(repo.dir, 'ignored.txt'), 'whatever');
    assert.deepEqual(await workspaceFingerprint(repo.dir), before, 'ignored files are not part of it');
    rmSync(path.join(repo.dir, 'a.txt'));
    assert.notEqual((await workspaceFingerprint(repo.dir))!.changes, before!.changes, 'a deletion counts');
  });

  it('falls back to size and mtime for big untracked files, and gives up on a huge diff', async () => {
    writeFileSync(path.join(repo.dir, 'big.bin'), Buffer.alloc(4096, 1));
    const a = await workspaceFingerprint(repo.dir, { maxFileBytes: 1024 });
    assert.ok(a);
    writeFileSync(path.join(repo.dir, 'big.bin'), Buffer.alloc(4096, 2)); // same size, new mtime
    utimesSync(path.join(repo.dir, 'big.bin'), new Date(), new Date(Date.now() + 5000));
    assert.notEqual((await workspaceFingerprint(repo.dir, { maxFileBytes: 1024 }))!.changes, a.changes);
    writeFileSync(path.join(repo.dir, 'tracked.txt'), 'x'.repeat(10_000));
    git('add', 'tracked.txt');
    git('commit', '-qm', 'c');
    writeFileSync(path.join(repo.dir, 'tracked.txt'), 'y'.repeat(10_000));
    assert.equal(await workspaceFingerprint(repo.dir, { maxDiffBytes: 1000 }), undefined);
    assert.ok(await workspaceFingerprint(repo.dir));
  });

  it('reads untracked paths out of porcelain -z output, skipping rename sources', () => {
    const status = Buffer.from(' M a.txt\0R  new.txt\0old.txt\0?? z.txt\0?? dir/y.txt\0');
    assert.deepEqual(untrackedFromStatus(status), ['dir/y.txt', 'z.txt']);
  });
});
