// Git worktrees that keep several agents' edits apart: each edit-mode run of a
// group works in its own worktree, on a branch agent-relay/<run>, at a snapshot
// of the user's working tree, and its edits come back only through Apply.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readSmallFile } from '../util/smallFile';
import { git, GitError } from './git';

export interface WorktreeEntry {
  runId: string;
  agentId?: string;
  /** The repository's top folder (the user's working tree). */
  repo: string;
  /** The worktree's folder, under our storage. */
  path: string;
  branch: string;
  /** The snapshot commit the worktree started at: what its diff is against. */
  snapshot: string;
  /** The window (or headless process) that made it, and until when that owner's lease holds. */
  owner: { pid: number; leaseUntil: number };
  createdAt: number;
  /** When its run ended; a finished worktree waits for Review, Apply or Discard until the retention time. */
  finishedAt?: number;
}

export interface DiffStat {
  files: Array<{ path: string; added: number; deleted: number; binary: boolean }>;
  added: number;
  deleted: number;
}

export type ApplyResult = { applied: true; stat: DiffStat } | { applied: false; conflict: string; stat: DiffStat };

export interface WorktreeOptions {
  /** The git executable (a setting may name one). */
  git?: string;
  pid?: number;
  now?: () => number;
  /** How long an owner's lease holds without renewal. */
  leaseMs?: number;
  /** Whether a process is alive (tests stand in for other windows). */
  alive?: (pid: number) => boolean;
}

export const BRANCH_PREFIX = 'agent-relay/';
const LIST_FILE = 'worktrees.json';
const MAX_LIST_BYTES = 1024 * 1024;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
const SHA = /^[0-9a-f]{40,64}$/;
/** The snapshot's author and committer: the user's git identity may not be set, and this is not their commit. */
const IDENTITY = { GIT_AUTHOR_NAME: 'Agent Relay', GIT_AUTHOR_EMAIL: 'agent-relay@localhost', GIT_COMMITTER_NAME: 'Agent Relay', GIT_COMMITTER_EMAIL: 'agent-relay@localhost' };

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/** The repository's top folder, or undefined when `folder` is not in a git working tree (or git is missing). */
export async function repoRoot(folder: string, gitBin = 'git'): Promise<string | undefined> {
  try {
    const top = (await git(gitBin, ['rev-parse', '--show-toplevel'], { cwd: folder })).trim();
    return top ? path.resolve(top) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The worktrees of one storage folder (`root`), listed in `root/worktrees.json`
 * with their owner. The list is read as untrusted: an entry whose folder is not
 * under `root`, or whose branch or snapshot is malformed, is ignored, so a
 * corrupt list never makes us remove anything of the user's.
 */
export class Worktrees {
  private readonly gitBin: string;
  private readonly pid: number;
  private readonly now: () => number;
  private readonly leaseMs: number;
  private readonly alive: (pid: number) => boolean;
  /** One read-modify-write of the list at a time in this process. */
  private listLock: Promise<unknown> = Promise.resolve();

  constructor(
    readonly root: string,
    opts: WorktreeOptions = {},
  ) {
    this.gitBin = opts.git ?? 'git';
    this.pid = opts.pid ?? process.pid;
    this.now = opts.now ?? Date.now;
    this.leaseMs = opts.leaseMs ?? 15 * 60_000;
    this.alive = opts.alive ?? processAlive;
  }

  /**
   * Commits what the working tree holds (tracked and untracked files, not
   * ignored ones) without touching the user's index, HEAD or branch: `git add
   * -A` into a copy of the index (a copy keeps its file stats, so unchanged
   * files are not hashed again), `write-tree`, `commit-tree` on HEAD.
   */
  async snapshot(repo: string): Promise<string> {
    await fs.mkdir(this.root, { recursive: true });
    const index = path.resolve(repo, (await git(this.gitBin, ['rev-parse', '--git-path', 'index'], { cwd: repo })).trim());
    const temp = path.join(this.root, `index-${randomBytes(6).toString('hex')}`);
    try {
      await fs.copyFile(index, temp).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err; // a repository without commits has no index yet
      });
      const env = { GIT_INDEX_FILE: temp };
      await git(this.gitBin, ['add', '-A', '--', '.'], { cwd: repo, env });
      const tree = (await git(this.gitBin, ['write-tree'], { cwd: repo, env })).trim();
      const head = await git(this.gitBin, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: repo }).then((s) => s.trim(), () => '');
      const args = ['commit-tree', tree, ...(head ? ['-p', head] : []), '-m', 'Agent Relay: snapshot of the working tree'];
      return (await git(this.gitBin, args, { cwd: repo, env: IDENTITY })).trim();
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  /** A worktree for `runId` at `snapshot`, on branch agent-relay/<runId>, listed with this process as owner. */
  async add(repo: string, snapshot: string, runId: string, agentId?: string): Promise<WorktreeEntry> {
    if (!RUN_ID.test(runId)) throw new Error(`not a run id: ${runId.slice(0, 80)}`);
    const dir = path.join(this.root, runId);
    const entry: WorktreeEntry = { runId, agentId, repo: path.resolve(repo), path: dir, branch: `${BRANCH_PREFIX}${runId}`, snapshot, owner: { pid: this.pid, leaseUntil: this.now() + this.leaseMs }, createdAt: this.now() };
    // Listed first: a crash between the two leaves an entry the next clean-up removes, never an unlisted worktree.
    await this.update((list) => [...list.filter((e) => e.runId !== runId), entry]);
    await git(this.gitBin, ['worktree', 'add', '--quiet', '-b', entry.branch, '--', dir, snapshot], { cwd: repo });
    return entry;
  }

  async list(): Promise<WorktreeEntry[]> {
    const raw = await readSmallFile(path.join(this.root, LIST_FILE), MAX_LIST_BYTES);
    if (!Buffer.isBuffer(raw)) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      return [];
    }
    return (Array.isArray(parsed) ? parsed : []).filter((e): e is WorktreeEntry => this.valid(e));
  }

  async get(runId: string): Promise<WorktreeEntry | undefined> {
    return (await this.list()).find((e) => e.runId === runId);
  }

  /** The run ended: its worktree now waits for Review, Apply or Discard. */
  async finished(runId: string): Promise<void> {
    await this.update((list) => list.map((e) => (e.runId === runId && e.finishedAt === undefined ? { ...e, finishedAt: this.now() } : e)));
  }

  /** Extends the lease of this process's worktrees (call it now and then while the owner lives). */
  async renew(): Promise<void> {
    const until = this.now() + this.leaseMs;
    await this.update((list) => list.map((e) => (e.owner.pid === this.pid ? { ...e, owner: { pid: this.pid, leaseUntil: until } } : e)));
  }

  /** Files changed in the worktree against its snapshot: committed, staged, unstaged and untracked (not ignored). */
  async diffStat(entry: WorktreeEntry): Promise<DiffStat> {
    const out = await this.inWorktreeIndex(entry, (env) => git(this.gitBin, ['diff', '--cached', '--no-renames', '--numstat', '-z', entry.snapshot, '--'], { cwd: entry.path, env }));
    const files: DiffStat['files'] = [];
    for (const rec of out.split('\0')) {
      const m = /^(\d+|-)\t(\d+|-)\t([\s\S]+)$/.exec(rec);
      if (!m) continue;
      const binary = m[1] === '-';
      files.push({ path: m[3], added: binary ? 0 : Number(m[1]), deleted: binary ? 0 : Number(m[2]), binary });
    }
    return { files, added: files.reduce((a, f) => a + f.added, 0), deleted: files.reduce((a, f) => a + f.deleted, 0) };
  }

  /** The worktree's changes against its snapshot as a binary-safe patch. */
  async patch(entry: WorktreeEntry): Promise<string> {
    return this.inWorktreeIndex(entry, (env) => git(this.gitBin, ['diff', '--cached', '--no-renames', '--binary', '--full-index', entry.snapshot, '--'], { cwd: entry.path, env }));
  }

  /**
   * Applies the worktree's changes onto the user's working tree: checked first
   * (`git apply --check`), then applied; git applies all or nothing, so on a
   * conflict nothing changes and the conflict is returned. The user's index is
   * not touched (`--3way` would stage into it, and refuse files with unstaged
   * edits). Once applied, the worktree and its branch are removed.
   */
  async apply(runId: string): Promise<ApplyResult> {
    const entry = await this.get(runId);
    if (!entry) throw new Error(`no worktree of run ${runId} is listed`);
    const stat = await this.diffStat(entry);
    if (!stat.files.length) {
      await this.discard(runId);
      return { applied: true, stat };
    }
    const patch = await this.patch(entry);
    try {
      await git(this.gitBin, ['apply', '--check', '--binary', '--whitespace=nowarn', '-'], { cwd: entry.repo, input: patch });
    } catch (err) {
      if (!(err instanceof GitError)) throw err;
      return { applied: false, conflict: conflictText(err.stderr), stat };
    }
    await git(this.gitBin, ['apply', '--binary', '--whitespace=nowarn', '-'], { cwd: entry.repo, input: patch });
    await this.discard(runId);
    return { applied: true, stat };
  }

  /** Removes the worktree and its branch, and forgets it. */
  async discard(runId: string): Promise<void> {
    const entry = await this.get(runId);
    if (!entry) return;
    await git(this.gitBin, ['worktree', 'remove', '--force', '--', entry.path], { cwd: entry.repo }).catch(() => undefined);
    // A worktree folder deleted by hand leaves git's record of it: prune that, and whatever is left of the folder.
    await fs.rm(entry.path, { recursive: true, force: true });
    await git(this.gitBin, ['worktree', 'prune'], { cwd: entry.repo }).catch(() => undefined);
    await git(this.gitBin, ['branch', '-D', '--', entry.branch], { cwd: entry.repo }).catch(() => undefined);
    await this.update((list) => list.filter((e) => e.runId !== runId));
  }

  /**
   * Removes what is ours and left behind: worktrees of runs that never
   * finished whose owner is gone (its process is dead, or its lease ran out: a
   * window that crashed), and finished ones older than `retentionMs`.
   * Worktrees of a live owner's running runs are left alone. Returns the run
   * ids removed.
   */
  async cleanUp(retentionMs: number): Promise<string[]> {
    const now = this.now();
    const stale = (await this.list()).filter((e) =>
      e.finishedAt === undefined ? !(e.owner.pid === this.pid || (this.alive(e.owner.pid) && e.owner.leaseUntil > now)) : now - e.finishedAt > retentionMs,
    );
    for (const e of stale) await this.discard(e.runId);
    return stale.map((e) => e.runId);
  }

  private valid(e: unknown): boolean {
    const o = e as Partial<WorktreeEntry> | null;
    if (!o || typeof o !== 'object') return false;
    if (typeof o.runId !== 'string' || !RUN_ID.test(o.runId)) return false;
    if (o.path !== path.join(this.root, o.runId)) return false; // only our own folders, ever
    if (o.branch !== `${BRANCH_PREFIX}${o.runId}`) return false;
    if (typeof o.snapshot !== 'string' || !SHA.test(o.snapshot)) return false;
    if (typeof o.repo !== 'string' || !path.isAbsolute(o.repo)) return false;
    if (!o.owner || !Number.isInteger(o.owner.pid) || typeof o.owner.leaseUntil !== 'number') return false;
    return typeof o.createdAt === 'number' && (o.finishedAt === undefined || typeof o.finishedAt === 'number');
  }

  /** Runs `fn` with GIT_INDEX_FILE set to a fresh copy of the worktree's index after `git add -A` into it. */
  private async inWorktreeIndex<T>(entry: WorktreeEntry, fn: (env: Record<string, string>) => Promise<T>): Promise<T> {
    const index = path.resolve(entry.path, (await git(this.gitBin, ['rev-parse', '--git-path', 'index'], { cwd: entry.path })).trim());
    const temp = path.join(this.root, `index-${randomBytes(6).toString('hex')}`);
    try {
      await fs.copyFile(index, temp).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      const env = { GIT_INDEX_FILE: temp };
      await git(this.gitBin, ['add', '-A', '--', '.'], { cwd: entry.path, env });
      return await fn(env);
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  private update(change: (list: WorktreeEntry[]) => WorktreeEntry[]): Promise<void> {
    const next = this.listLock.then(async () => {
      await fs.mkdir(this.root, { recursive: true });
      const list = change(await this.list());
      const file = path.join(this.root, LIST_FILE);
      const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      await fs.writeFile(temp, JSON.stringify(list, null, 1));
      await fs.rename(temp, file);
    });
    this.listLock = next.catch(() => undefined);
    return next;
  }
}

/** git apply's complaint, as a short list of what conflicts. */
function conflictText(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.replace(/^error: /, '').trim()).filter(Boolean);
  return lines.slice(0, 8).join('; ') || 'the changes do not apply to the working tree as it is now';
}
