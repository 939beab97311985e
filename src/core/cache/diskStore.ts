import * as path from 'node:path';
import { TMP_SUFFIX, tmpNameFor, writeAtomic, type RetryOptions } from './atomicWrite';
import type { KeyRing } from './cacheSecret';
import type { CacheTree } from './cacheTree';
import { decodeEntry, encodeEntry, isDamage, type EntryDefect, type EntryHeader } from './entryFormat';
import { errorCode, RefusedPath, type CacheFs, type EntryType, type FileStat, type Refusal } from './fsLike';
import { isKeyHash } from './cacheKey';

export interface StoreEnv {
  fs: CacheFs;
  /** Link-safe folder work inside the cache folder. */
  tree: CacheTree;
  keys: KeyRing;
  /** Wall clock, ms since the epoch. */
  clock: () => number;
  /** How far in the future an entry's creation time may be (another machine's clock on a shared home) before it is distrusted. */
  skewToleranceMs: number;
  retry?: RetryOptions;
  /** fsync entries before renaming them into place. */
  flush: boolean;
}

/** What a read accepts, from the settings in force now (not those the entry was written under). */
export interface ReadLimits {
  /** Bigger files are refused unread, and removed. */
  maxBytes: number;
  /** An entry expires by the shorter of this and its own TTL (a lowered setting applies to what is stored). */
  maxTtlMs?: number;
}

export type DiskRead =
  | { kind: 'hit'; header: EntryHeader; content: Buffer; raw: Buffer; file: string; stat: FileStat }
  | { kind: 'miss'; reason: 'absent' }
  | { kind: 'miss'; reason: 'expired'; removed: boolean }
  | { kind: 'miss'; reason: 'defect'; defect: EntryDefect; removed: boolean }
  /**
   * A link where the entry belongs, or a file where a folder on the way
   * belongs: never read through, never followed, left for verify (which
   * reports the link and repairs the folder).
   */
  | { kind: 'miss'; reason: 'unsafe'; path: string; refusal: Refusal };

export interface StoreFile {
  name: string;
  file: string;
  kind: 'entry' | 'tmp' | 'other';
  /** As the folder listing says, without following it. */
  type: EntryType;
}

export interface StoreListing {
  files: StoreFile[];
  /** The shard folders walked, for verify's mode check. */
  shards: { path: string; stat: FileStat }[];
  /** Where a folder of ours belongs but something else is (a link, a file, another user's folder): not walked. */
  unsafe: { path: string; refusal: Refusal }[];
}

/**
 * Expired by the wall clock, tolerant of skew: an entry from slightly in the
 * future (another machine's clock) is fine, one from far in the future (a
 * clock that jumped back, or a forged time, which the MAC rules out) is not
 * trusted. Age is never negative, so TTL is never extended; `maxTtlMs` (the
 * TTL in force now) can only shorten it.
 */
export function isExpired(header: Pick<EntryHeader, 'createdAt' | 'ttlMs'>, now: number, skewToleranceMs: number, maxTtlMs = Infinity): boolean {
  if (!Number.isFinite(header.createdAt) || !Number.isFinite(header.ttlMs)) return true;
  if (header.createdAt > now + skewToleranceMs) return true;
  return Math.max(0, now - header.createdAt) >= Math.min(header.ttlMs, maxTtlMs);
}

/** The same file as judged (by identity): for files that were never read, so no bytes to compare. */
export function sameFile(fs: CacheFs, judged: FileStat): (moved: string) => Promise<boolean> {
  return async (moved) => {
    const st = await fs.lstat(moved);
    return st.ino === judged.ino && st.size === judged.size && st.mtimeMs === judged.mtimeMs;
  };
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * One folder of immutable entry files, `<dir>/<first two hex digits>/<key hash>`.
 * Only hex hashes reach paths. No locks: writes are tmp + rename, so readers
 * see whole files; removals first move the file aside and put it back if it
 * turns out another process had meanwhile replaced it with a fresh entry.
 */
export class DiskStore {
  constructor(
    private readonly env: StoreEnv,
    readonly dir: string,
  ) {}

  file(keyHash: string): string {
    if (!isKeyHash(keyHash)) throw new TypeError('A cache key hash must be 64 lower-case hex digits.');
    return path.join(this.dir, keyHash.slice(0, 2), keyHash);
  }

  /** Reads and verifies one entry. Throws only on I/O errors other than "not there" and a damaged layout. */
  async read(keyHash: string, limits: ReadLimits): Promise<DiskRead> {
    const file = this.file(keyHash);
    let bytes: Buffer;
    let stat: FileStat;
    try {
      ({ bytes, stat } = await this.env.fs.readFile(file, { maxBytes: limits.maxBytes }));
    } catch (err) {
      const code = errorCode(err);
      if (code === 'ENOENT') return { kind: 'miss', reason: 'absent' };
      if (code === 'ENOTDIR') return { kind: 'miss', reason: 'unsafe', path: path.dirname(file), refusal: 'not-a-folder' };
      if (!(err instanceof RefusedPath)) throw err;
      if (err.refusal === 'link' || !err.stat) return { kind: 'miss', reason: 'unsafe', path: file, refusal: err.refusal };
      // A FIFO, a folder, a device, a file over the bound: never an entry, never read.
      const removed = !this.env.tree.isForeign(err.stat) && (await this.removeIf(file, sameFile(this.env.fs, err.stat)));
      return { kind: 'miss', reason: 'defect', defect: err.refusal === 'too-large' ? 'too-large' : 'not-a-file', removed };
    }
    // Another user's file is read (the MAC decides), never removed.
    const ours = !this.env.tree.isForeign(stat);
    const decoded = decodeEntry(bytes, this.env.keys, keyHash);
    if (!decoded.ok) {
      const removed = ours && isDamage(decoded.defect) && (await this.removeIfUnchanged(file, bytes));
      return { kind: 'miss', reason: 'defect', defect: decoded.defect, removed };
    }
    if (isExpired(decoded.header, this.env.clock(), this.env.skewToleranceMs, limits.maxTtlMs)) {
      return { kind: 'miss', reason: 'expired', removed: ours && (await this.removeIfUnchanged(file, bytes)) };
    }
    return { kind: 'hit', header: decoded.header, content: decoded.content, raw: bytes, file, stat };
  }

  /** Signs and writes an entry; returns its size. Throws on I/O errors, and RefusedPath on a damaged layout. */
  async write(keyHash: string, content: Uint8Array, ttlMs: number, createdAt = this.env.clock(), crashPoints = false): Promise<number> {
    const bytes = encodeEntry(this.env.keys.current, { keyHash, createdAt, ttlMs, content });
    await writeAtomic(this.env.fs, this.file(keyHash), bytes, { flush: this.env.flush, retry: this.env.retry, crashPoints, tree: this.env.tree });
    return bytes.length;
  }

  /**
   * Records a use for LRU eviction in the file's mtime (atime is unreliable:
   * noatime/relatime mounts). Shared by every process; errors do not matter.
   * The path's own times: a link planted there since is not followed.
   */
  touch(file: string): void {
    const t = new Date(this.env.clock());
    this.env.fs.utimes(file, t, t).catch(() => undefined);
  }

  /** Removes an entry we judged bad, unless what is there now is no longer what we judged. */
  removeIfUnchanged(file: string, judged: Buffer): Promise<boolean> {
    return this.removeIf(file, async (moved) => (await this.env.fs.readFile(moved, { maxBytes: judged.length })).bytes.equals(judged));
  }

  /**
   * Moves `file` aside (atomic), asks `same` whether it is still the file that
   * was judged, deletes it if so and otherwise puts it back (without
   * overwriting an even newer one). Another process replacing the entry
   * between our judgement and the deletion therefore never loses its write.
   * Nothing is removed through a link or in another user's folder: every
   * folder from the cache folder down must be a real one of ours.
   */
  async removeIf(file: string, same: (moved: string) => Promise<boolean>): Promise<boolean> {
    if ((await this.env.tree.checkDir(path.dirname(file))) !== undefined) return false;
    const aside = tmpNameFor(file, '.del');
    try {
      await this.env.fs.rename(file, aside);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return false;
      throw err;
    }
    let isSame = false;
    try {
      isSame = await same(aside);
    } catch {
      isSame = false;
    }
    if (!isSame) {
      try {
        await this.env.fs.link(aside, file); // EEXIST: a newer entry is already there
      } catch (err) {
        if (errorCode(err) !== 'EEXIST') await this.env.fs.rename(aside, file).catch(() => undefined);
      }
    }
    await this.env.tree.remove(aside).catch(() => undefined); // a folder judged "not a file" included
    return isSame;
  }

  /**
   * Every name under the folder: entries (by hash name), temporary files, and
   * anything else, typed without following links. Shard folders that are not
   * real folders of ours are listed as unsafe and not walked.
   */
  async list(): Promise<StoreListing> {
    const out: StoreListing = { files: [], shards: [], unsafe: [] };
    const top = await this.env.tree.checkDir(this.dir);
    if (top === 'absent') return out;
    if (top) {
      out.unsafe.push({ path: top.path, refusal: top.refusal });
      return out;
    }
    let shards;
    try {
      shards = await this.env.fs.readdir(this.dir);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return out;
      throw err;
    }
    for (const shard of shards.sort(byName)) {
      if (!/^[0-9a-f]{2}$/.test(shard.name)) continue;
      const dir = path.join(this.dir, shard.name);
      if (shard.type !== 'dir') {
        out.unsafe.push({ path: dir, refusal: shard.type === 'link' ? 'link' : 'not-a-folder' });
        continue;
      }
      const st = await this.env.tree.lstatOrUndefined(dir).catch(() => undefined);
      if (!st) continue;
      if (this.env.tree.isForeign(st)) {
        out.unsafe.push({ path: dir, refusal: 'foreign-owner' });
        continue;
      }
      out.shards.push({ path: dir, stat: st });
      let names;
      try {
        names = await this.env.fs.readdir(dir);
      } catch {
        continue; // removed meanwhile
      }
      for (const { name, type } of names) {
        const kind = isKeyHash(name) && name.startsWith(shard.name) ? 'entry' : name.endsWith(TMP_SUFFIX) ? 'tmp' : 'other';
        out.files.push({ name, file: path.join(dir, name), kind, type });
      }
    }
    return out;
  }
}
