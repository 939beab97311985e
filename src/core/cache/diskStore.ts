import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { TMP_SUFFIX, writeAtomic, type RetryOptions } from './atomicWrite';
import type { KeyRing } from './cacheSecret';
import { decodeEntry, encodeEntry, isDamage, type EntryDefect, type EntryHeader } from './entryFormat';
import { errorCode, type CacheFs } from './fsLike';
import { isKeyHash } from './cacheKey';

export interface StoreEnv {
  fs: CacheFs;
  keys: KeyRing;
  /** Wall clock, ms since the epoch. */
  clock: () => number;
  /** How far in the future an entry's creation time may be (another machine's clock on a shared home) before it is distrusted. */
  skewToleranceMs: number;
  retry?: RetryOptions;
  /** fsync entries before renaming them into place. */
  flush: boolean;
}

export type DiskRead =
  | { kind: 'hit'; header: EntryHeader; content: Buffer; raw: Buffer; file: string }
  | { kind: 'miss'; reason: 'absent' }
  | { kind: 'miss'; reason: 'expired'; removed: boolean }
  | { kind: 'miss'; reason: 'defect'; defect: EntryDefect; removed: boolean };

/**
 * Expired by the wall clock, tolerant of skew: an entry from slightly in the
 * future (another machine's clock) is fine, one from far in the future (a
 * clock that jumped back, or a forged time, which the MAC rules out) is not
 * trusted. Age is never negative, so TTL is never extended.
 */
export function isExpired(header: Pick<EntryHeader, 'createdAt' | 'ttlMs'>, now: number, skewToleranceMs: number): boolean {
  if (!Number.isFinite(header.createdAt) || !Number.isFinite(header.ttlMs)) return true;
  if (header.createdAt > now + skewToleranceMs) return true;
  return Math.max(0, now - header.createdAt) >= header.ttlMs;
}

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

  /** Reads and verifies one entry. Throws only on I/O errors other than "not there". */
  async read(keyHash: string): Promise<DiskRead> {
    const file = this.file(keyHash);
    let bytes: Buffer;
    try {
      bytes = await this.env.fs.readFile(file);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'ENOENT') return { kind: 'miss', reason: 'absent' };
      if (code === 'EISDIR') {
        await this.env.fs.rm(file).catch(() => undefined);
        return { kind: 'miss', reason: 'defect', defect: 'bad-magic', removed: true };
      }
      throw err;
    }
    const decoded = decodeEntry(bytes, this.env.keys, keyHash);
    if (!decoded.ok) {
      const removed = isDamage(decoded.defect) && (await this.removeIfUnchanged(file, bytes));
      return { kind: 'miss', reason: 'defect', defect: decoded.defect, removed };
    }
    if (isExpired(decoded.header, this.env.clock(), this.env.skewToleranceMs)) {
      return { kind: 'miss', reason: 'expired', removed: await this.removeIfUnchanged(file, bytes) };
    }
    return { kind: 'hit', header: decoded.header, content: decoded.content, raw: bytes, file };
  }

  /** Signs and writes an entry; returns its size. Throws on I/O errors. */
  async write(keyHash: string, content: Uint8Array, ttlMs: number, createdAt = this.env.clock(), crashPoints = false): Promise<number> {
    const bytes = encodeEntry(this.env.keys.current, { keyHash, createdAt, ttlMs, content });
    await writeAtomic(this.env.fs, this.file(keyHash), bytes, { flush: this.env.flush, retry: this.env.retry, crashPoints });
    return bytes.length;
  }

  /**
   * Records a use for LRU eviction in the file's mtime (atime is unreliable:
   * noatime/relatime mounts). Shared by every process; errors do not matter.
   */
  touch(file: string): void {
    const t = new Date(this.env.clock());
    this.env.fs.utimes(file, t, t).catch(() => undefined);
  }

  /** Removes an entry we judged bad, unless what is there now is no longer what we judged. */
  removeIfUnchanged(file: string, judged: Buffer): Promise<boolean> {
    return this.removeIf(file, async (moved) => (await this.env.fs.readFile(moved)).equals(judged));
  }

  /**
   * Moves `file` aside (atomic), asks `same` whether it is still the file that
   * was judged, deletes it if so and otherwise puts it back (without
   * overwriting an even newer one). Another process replacing the entry
   * between our judgement and the deletion therefore never loses its write.
   */
  async removeIf(file: string, same: (moved: string) => Promise<boolean>): Promise<boolean> {
    const aside = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.del${TMP_SUFFIX}`;
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
    await this.env.fs.unlink(aside).catch(() => undefined);
    return isSame;
  }

  /** Every file under the folder: entries (by hash name), temporary files, and anything else. */
  async list(): Promise<{ name: string; file: string; kind: 'entry' | 'tmp' | 'other' }[]> {
    const out: { name: string; file: string; kind: 'entry' | 'tmp' | 'other' }[] = [];
    let shards: string[];
    try {
      shards = await this.env.fs.readdir(this.dir);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return out;
      throw err;
    }
    for (const shard of shards.sort()) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      let names: string[];
      try {
        names = await this.env.fs.readdir(path.join(this.dir, shard));
      } catch {
        continue;
      }
      for (const name of names) {
        const kind = isKeyHash(name) && name.startsWith(shard) ? 'entry' : name.endsWith(TMP_SUFFIX) ? 'tmp' : 'other';
        out.push({ name, file: path.join(this.dir, shard, name), kind });
      }
    }
    return out;
  }
}
