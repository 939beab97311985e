// Worktrees for edit-mode runs, with the real git: the snapshot leaves the
// user's index, branch and files alone; each worktree holds its own edits;
// Apply brings exactly one run's diff or, on a conflict, nothing; Discard and
// clean-up remove only our own worktrees.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, Worktrees } from '../../src/core/worktrees/worktrees';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });

describe('worktrees for runs that may edit (real git)', function () {
  this.timeout(60_000);
  let tmp: string;
  let repo: string;
  let storage: string;

  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'relay-wt-'));
    repo = path.join(tmp, 'repo');
    storage = path.join(tmp, 'storage', 'worktrees');
    mkdirSync(path.join(repo, 'src'), { recursive: true });
    writeFileSync(path.join(repo, 'src', 'app.js'), 'const a = 1;\nconst b = 2;\n');
    writeFileSync(path.join(repo, '.gitignore'), 'node_modules/\n.env\n');
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'first');
    // The user's state when the group starts: an unstaged edit, a staged one, an untracked file, ignored files.
    writeFileSync(path.join(repo, 'src', 'app.js'), 'const a = 1;\nconst b = 2;\n// my own edit\n');
    writeFileSync(path.join(repo, 'README.md'), 'staged\n');
    git(repo, 'add', 'README.md');
    writeFileSync(path.join(repo, 'notes.txt'), 'untracked\n');
    mkdirSync(path.join(repo, 'node_modules'));
    writeFileSync(path.join(repo, 'node_modules', 'dep.js'), 'ignored');
    writeFileSync(path.join(repo, '.env'), 'SECRET=1');
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  const status = () => git(repo, 'status', '--porcelain=v1', '-uall');
  const head = () => git(repo, 'rev-parse', 'HEAD').trim();
  const branch = () => git(repo, 'branch', '--show-current').trim();

  it('snapshots tracked and untracked files, not ignored ones, without touching the index, HEAD or branch', async () => {
    const before = { status: status(), head: head(), branch: branch(), index: readFileSync(path.join(repo, '.git', 'index')) };
    const w = new Worktrees(storage);
    const snap = await w.snapshot(repo);
    assert.deepEqual({ status: status(), head: head(), branch: branch() }, { status: before.status, head: before.head, branch: before.branch });
    assert.ok(readFileSync(path.join(repo, '.git', 'index')).equals(before.index), 'the user\'s index changed');
    const files = git(repo, 'ls-tree', '-r', '--name-only', snap).trim().split('\n').sort();
    assert.deepEqual(files, ['.gitignore', 'README.md', 'notes.txt', 'src/app.js']);
    assert.equal(git(repo, 'show', `${snap}:src/app.js`), 'const a = 1;\nconst b = 2;\n// my own edit\n');
    assert.equal(git(repo, 'rev-parse', `${snap}^`).trim(), before.head, 'the snapshot sits on HEAD');

    const wt = await w.add(repo, snap, 'run-a', 'codex');
    assert.equal(wt.branch, 'agent-relay/run-a');
    assert.equal(readFileSync(path.join(wt.path, 'src', 'app.js'), 'utf8'), 'const a = 1;\nconst b = 2;\n// my own edit\n');
    assert.equal(readFileSync(path.join(wt.path, 'notes.txt'), 'utf8'), 'untracked\n');
    assert.equal(existsSync(path.join(wt.path, 'node_modules')), false, 'ignored files are not in the worktree');
    assert.equal(existsSync(path.join(wt.path, '.env')), false);
    assert.match(git(repo, 'branch', '--list', 'agent-relay/*'), /agent-relay\/run-a/);
    assert.equal(status(), before.status);
  });

  it('keeps two runs apart; Apply brings exactly one diff, a conflicting Apply changes nothing; Discard removes worktree and branch', async () => {
    const w = new Worktrees(storage);
    const snap = await w.snapshot(repo);
    const a = await w.add(repo, snap, 'run-a');
    const b = await w.add(repo, snap, 'run-b');
    // Two agents write the same file differently; one also edits a tracked file and commits in its worktree.
    writeFileSync(path.join(a.path, 'out.txt'), 'from A\n');
    writeFileSync(path.join(a.path, 'src', 'app.js'), 'const a = 10;\nconst b = 2;\n// my own edit\n');
    git(a.path, 'add', 'src/app.js');
    git(a.path, 'commit', '-qm', 'agent A');
    writeFileSync(path.join(b.path, 'out.txt'), 'from B\n');
    assert.equal(readFileSync(path.join(a.path, 'out.txt'), 'utf8'), 'from A\n');
    assert.equal(readFileSync(path.join(b.path, 'out.txt'), 'utf8'), 'from B\n');
    assert.equal(existsSync(path.join(repo, 'out.txt')), false, 'the user\'s tree is untouched until Apply');

    const stat = await w.diffStat(a);
    assert.deepEqual(stat.files.map((f) => [f.path, f.added, f.deleted]).sort(), [['out.txt', 1, 0], ['src/app.js', 1, 1]]);
    assert.deepEqual([stat.added, stat.deleted], [2, 1]);

    const applied = await w.apply('run-a');
    assert.equal(applied.applied, true);
    assert.equal(readFileSync(path.join(repo, 'out.txt'), 'utf8'), 'from A\n');
    // The user's own uncommitted edit was in the snapshot: it is there once, with A's change.
    assert.equal(readFileSync(path.join(repo, 'src', 'app.js'), 'utf8'), 'const a = 10;\nconst b = 2;\n// my own edit\n');
    assert.equal(git(repo, 'diff', '--cached', '--name-only').trim(), 'README.md', 'Apply staged nothing of its own');
    assert.equal(existsSync(a.path), false, 'an applied worktree goes');
    assert.equal(git(repo, 'branch', '--list', 'agent-relay/run-a').trim(), '');

    const before = { status: status(), out: readFileSync(path.join(repo, 'out.txt'), 'utf8') };
    const conflicted = await w.apply('run-b');
    assert.equal(conflicted.applied, false);
    assert.ok(!conflicted.applied && /out\.txt/.test(conflicted.conflict), JSON.stringify(conflicted));
    assert.deepEqual({ status: status(), out: readFileSync(path.join(repo, 'out.txt'), 'utf8') }, before, 'a conflicting Apply changed something');
    assert.ok(existsSync(b.path), 'a worktree whose Apply conflicted stays for review');

    await w.discard('run-b');
    assert.equal(existsSync(b.path), false);
    assert.equal(git(repo, 'branch', '--list', 'agent-relay/*').trim(), '');
    assert.doesNotMatch(git(repo, 'worktree', 'list'), /run-b/);
    assert.deepEqual(await w.list(), []);
  });

  it('cleans up worktrees of a window that is gone, never a live window\'s, and finished ones after the retention time', async () => {
    let now = 1_000_000;
    const alive = new Set([111]);
    const dead = new Worktrees(storage, { pid: 222, now: () => now, alive: (p) => alive.has(p) });
    const live = new Worktrees(storage, { pid: 111, now: () => now, alive: (p) => alive.has(p) });
    const snap = await dead.snapshot(repo);
    const crashed = await dead.add(repo, snap, 'run-crashed');
    const running = await live.add(repo, snap, 'run-live');
    const done = await live.add(repo, snap, 'run-done');
    await live.finished('run-done');
    const me = new Worktrees(storage, { pid: 333, now: () => now, alive: (p) => alive.has(p) });
    assert.deepEqual(await me.cleanUp(24 * 3600_000), ['run-crashed']);
    assert.equal(existsSync(crashed.path), false);
    assert.ok(existsSync(running.path) && existsSync(done.path));
    // A live pid whose lease ran out is a reused pid, not our window.
    now += 16 * 60_000;
    assert.deepEqual(await me.cleanUp(24 * 3600_000), ['run-live']);
    now += 25 * 3600_000;
    assert.deepEqual(await me.cleanUp(24 * 3600_000), ['run-done']);
    assert.equal(git(repo, 'branch', '--list', 'agent-relay/*').trim(), '');
  });

  it('reads its list as untrusted: entries pointing outside its folder are ignored, never removed', async () => {
    const victim = path.join(tmp, 'victim');
    mkdirSync(victim);
    writeFileSync(path.join(victim, 'keep.txt'), 'keep');
    mkdirSync(storage, { recursive: true });
    const forged = { runId: 'x1', repo, path: victim, branch: 'agent-relay/x1', snapshot: 'a'.repeat(40), owner: { pid: 999999, leaseUntil: 0 }, createdAt: 0 };
    writeFileSync(path.join(storage, 'worktrees.json'), JSON.stringify([forged, { ...forged, runId: '../x', path: path.join(storage, '../x') }, 'junk', null]));
    const w = new Worktrees(storage, { alive: () => false });
    assert.deepEqual(await w.list(), []);
    assert.deepEqual(await w.cleanUp(0), []);
    assert.ok(existsSync(path.join(victim, 'keep.txt')));
    writeFileSync(path.join(storage, 'worktrees.json'), '{not json');
    assert.deepEqual(await w.list(), []);
  });

  it('knows a folder that is not in a git repository', async () => {
    const plain = path.join(tmp, 'plain');
    mkdirSync(plain);
    const ceiling = process.env.GIT_CEILING_DIRECTORIES;
    process.env.GIT_CEILING_DIRECTORIES = tmp; // the scratch folder may itself sit in some repository
    try {
      assert.equal(await repoRoot(plain), undefined);
    } finally {
      if (ceiling === undefined) delete process.env.GIT_CEILING_DIRECTORIES;
      else process.env.GIT_CEILING_DIRECTORIES = ceiling;
    }
    assert.equal(await repoRoot(path.join(repo, 'src')), repo);
  });
});
