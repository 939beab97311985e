import * as path from 'node:path';
import { tmpNameFor } from './atomicWrite';
import { errorCode, isForeign, OWN_UID, RefusedPath, type CacheFs, type FileStat, type Refusal } from './fsLike';

/** What is wrong with a folder of the layout, if anything. */
export function folderRefusal(st: FileStat, uid = OWN_UID): Refusal | undefined {
  if (st.isSymbolicLink()) return 'link';
  if (!st.isDirectory()) return 'not-a-folder';
  if (isForeign(st, uid)) return 'foreign-owner';
  return undefined;
}

/**
 * Folder work inside the cache folder that never follows a symbolic link.
 * Anything in the folder may have been planted (another local user, a bug),
 * so:
 * - folders are created 0700 one level at a time, and every level that
 *   exists must be a real folder of ours, so a store never writes through a
 *   link or a file planted on the way (the cache folder itself included;
 *   only the root above it, which the host chose, is trusted);
 * - removals look with lstat, unlink links and files as what they are, and
 *   descend only into real folders of ours: a link inside is removed, its
 *   target never touched; what another user owns is left and reported.
 * Races remain between a check and the call after it (Node has no openat);
 * in a folder only we can write, nobody else can win them.
 */
export class CacheTree {
  constructor(
    readonly fs: CacheFs,
    /** The cache folder (`<root>/response-cache-v1`). */
    readonly base: string,
    readonly uid = OWN_UID,
  ) {}

  /** A path as reports give it: relative to the cache folder, with `/`. */
  rel(p: string): string {
    return path.relative(this.base, p).split(path.sep).join('/') || '.';
  }

  isForeign(st: FileStat): boolean {
    return isForeign(st, this.uid);
  }

  /** The cache folder and every folder from it down to `dir`, outermost first. */
  private chain(dir: string): string[] {
    const rel = path.relative(this.base, dir);
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new TypeError(`${dir} is outside the cache folder ${this.base}`);
    const out = [this.base];
    for (const part of rel ? rel.split(path.sep) : []) out.push(path.join(out[out.length - 1], part));
    return out;
  }

  /** Creates `dir` (0700) and what is missing above it; throws RefusedPath when something on the way is not a folder of ours. */
  async ensureDir(dir: string): Promise<void> {
    for (const p of this.chain(dir)) {
      let st = await this.lstatOrUndefined(p);
      if (!st) {
        try {
          await this.fs.mkdir(p, { recursive: p === this.base });
        } catch (err) {
          if (errorCode(err) !== 'EEXIST') throw err; // another process made it meanwhile
        }
        st = await this.fs.lstat(p);
      }
      const refusal = folderRefusal(st, this.uid);
      if (refusal) throw new RefusedPath(p, refusal, st);
    }
  }

  /**
   * Whether `dir` and every folder above it (to the cache folder) are real
   * folders of ours: undefined when they are, 'absent' when one is missing,
   * else the first that is not, and why.
   */
  async checkDir(dir: string): Promise<undefined | 'absent' | RefusedPath> {
    for (const p of this.chain(dir)) {
      const st = await this.lstatOrUndefined(p);
      if (!st) return 'absent';
      const refusal = folderRefusal(st, this.uid);
      if (refusal) return new RefusedPath(p, refusal, st);
    }
    return undefined;
  }

  /**
   * Removes `target` (a file, a link as a link, or a folder of ours with all
   * in it), never following a link. What another user owns is left, and its
   * path added to `skipped`. Returns whether it is gone.
   */
  async remove(target: string, skipped: string[] = []): Promise<boolean> {
    const st = await this.lstatOrUndefined(target);
    if (!st) return true;
    if (this.isForeign(st)) {
      skipped.push(this.rel(target));
      return false;
    }
    if (!st.isDirectory()) {
      try {
        await this.fs.unlink(target);
      } catch (err) {
        const code = errorCode(err);
        if (code === 'ENOENT') return true;
        // Windows: a link to a folder (or a junction) is removed with rmdir, which removes the link only.
        if (st.isSymbolicLink() && (code === 'EPERM' || code === 'EISDIR')) await this.fs.rmdir(target);
        else throw err;
      }
      return true;
    }
    let all = true;
    for (const e of await this.fs.readdir(target)) all = (await this.remove(path.join(target, e.name), skipped)) && all;
    if (!all) return false;
    try {
      await this.fs.rmdir(target);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'ENOENT') return true;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return false; // something new arrived: next time
      throw err;
    }
    return true;
  }

  /**
   * Moves `target` aside within its own folder (atomic: readers see it or
   * nothing), then removes it as `remove` does. A leftover (a crash, a foreign
   * file inside) is an orphaned `*.tmp` that sweeps remove later.
   */
  async discard(target: string, skipped: string[] = []): Promise<boolean> {
    const aside = tmpNameFor(target, '.del');
    try {
      await this.fs.rename(target, aside);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return true;
      throw err;
    }
    return this.remove(aside, skipped);
  }

  async lstatOrUndefined(p: string): Promise<FileStat | undefined> {
    try {
      return await this.fs.lstat(p);
    } catch (err) {
      if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ENOTDIR') return undefined;
      throw err;
    }
  }
}
