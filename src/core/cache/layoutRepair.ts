import type { CacheLayout } from './cacheLayout';
import type { CacheTree } from './cacheTree';
import type { FileStat } from './fsLike';

/** What verify found wrong with the folder layout, and did about it; paths are relative to the cache folder. */
export interface LayoutReport {
  /** Put right: what was in the wrong place removed (never followed) and the folder recreated, or a mode tightened. */
  repaired: string[];
  /** Left alone: links where a file belongs (never read or followed) and what another user owns. */
  skipped: string[];
  /** What was wrong with each of those paths, in words. */
  problems: Record<string, string>;
}

const POSIX_MODES = process.platform !== 'win32';

/**
 * Verify's repair of the layout itself. The rule: what blocks the layout (a
 * file, a FIFO or a link where a folder of the cache belongs; a folder or FIFO
 * where a file belongs) is moved aside and removed without following
 * anything, and the folder recreated; a link where a file belongs is inert
 * (never read, and a store renames over it) and is only reported, as is
 * whatever another user owns, which is not ours to remove. Folders others can
 * read are tightened to 0700 and files to 0600: entries hold tool output.
 */
export class LayoutRepair {
  constructor(
    private readonly tree: CacheTree,
    private readonly report: LayoutReport,
  ) {}

  /** Adds a repair to the report. */
  repaired(p: string, problem: string): void {
    const rel = this.tree.rel(p);
    if (!this.report.repaired.includes(rel)) this.report.repaired.push(rel);
    this.report.problems[rel] = problem;
  }

  skipped(p: string, problem: string): void {
    this.skippedRel(this.tree.rel(p), problem);
  }

  private skippedRel(rel: string, problem: string): void {
    if (!this.report.skipped.includes(rel)) this.report.skipped.push(rel);
    this.report.problems[rel] ??= problem;
  }

  /**
   * `dir` must be a real folder of ours (or absent; with `create`, made).
   * Returns whether it is one now, i.e. may be walked.
   */
  async folder(dir: string, opts: { create?: boolean } = {}): Promise<boolean> {
    const st = await this.tree.lstatOrUndefined(dir);
    if (!st) {
      if (opts.create) await this.tree.ensureDir(dir);
      return opts.create === true;
    }
    if (this.tree.isForeign(st)) {
      this.skipped(dir, 'owned by another user');
      return false;
    }
    if (st.isDirectory()) {
      await this.tighten(dir, st, 0o700);
      return true;
    }
    await this.discard(dir);
    this.repaired(dir, st.isSymbolicLink() ? 'a link where a folder belongs: the link was removed (its target untouched) and the folder recreated' : 'a file where a folder belongs: it was removed and the folder recreated');
    await this.tree.ensureDir(dir);
    return true;
  }

  /**
   * `p` must be a regular file (or absent). Returns its lstat when it is a
   * regular file of ours; modes are left to `tighten`, once the caller has
   * decided to keep it.
   */
  async file(p: string, st?: FileStat): Promise<FileStat | undefined> {
    st ??= await this.tree.lstatOrUndefined(p);
    if (!st) return undefined;
    if (this.tree.isForeign(st)) {
      this.skipped(p, 'owned by another user');
      return undefined;
    }
    if (st.isSymbolicLink()) {
      this.skipped(p, 'a symbolic link: never read or followed, left alone');
      return undefined;
    }
    if (!st.isFile()) {
      await this.discard(p);
      this.repaired(p, st.isDirectory() ? 'a folder where a file belongs: removed' : 'not a regular file (a FIFO, socket or device): removed');
      return undefined;
    }
    return st;
  }

  /** Takes group and other permissions away from a file or folder of ours. */
  async tighten(p: string, st: FileStat, mode: 0o600 | 0o700): Promise<void> {
    if (!POSIX_MODES || (st.mode & 0o077) === 0) return;
    await this.tree.fs.chmod(p, mode);
    this.repaired(p, `readable by other users: mode ${(st.mode & 0o777).toString(8)} tightened to ${mode.toString(8)}`);
  }

  /** Moves `p` aside and removes it (never following anything); with `problem`, reports it as repaired. */
  async discard(p: string, problem?: string): Promise<void> {
    const inside: string[] = [];
    await this.tree.discard(p, inside);
    for (const rel of inside) this.skippedRel(rel, 'owned by another user, inside something removed: left');
    if (problem) this.repaired(p, problem);
  }
}

/** The parts every workspace shares: the cache folder, the workspaces folder, the trash and the sweep lease. */
export async function repairShared(layout: CacheLayout, repair: LayoutRepair): Promise<void> {
  if (!(await repair.folder(layout.dir, { create: true }))) return;
  await repair.folder(layout.workspacesDir, { create: true });
  await repair.folder(layout.trashDir);
  const lease = await repair.file(layout.leaseFile);
  if (lease) await repair.tighten(layout.leaseFile, lease, 0o600);
}
