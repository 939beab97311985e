import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { TMP_SUFFIX, writeAtomic, type RetryOptions } from './atomicWrite';
import { READ_LIMITS } from './cacheLayout';
import type { CacheTree } from './cacheTree';
import { errorCode, isForeign, type CacheFs } from './fsLike';

/** What a workspace's cache has done, summed over every window and process that used it. */
export interface CacheCounters {
  hits: number;
  /** Of the hits, answered from this process's memory without reading the disk. */
  memoryHits: number;
  /** Lookups that found nothing usable. */
  misses: number;
  /** Runs that did not use the cache at all (excluded agent, not read-only, bypass, no fingerprint). */
  skipped: number;
  stored: number;
  notStored: number;
  savedMs: number;
  savedTokens: number;
  savedCostUsd: number;
  /** Entries deleted because they failed verification, were cut short, unparseable or of an old format. */
  removedInvalid: number;
  /** Lookups that found an entry signed with another secret (not tampering; left for eviction). */
  unknownKey: number;
  expired: number;
  evicted: number;
}

export const COUNTER_NAMES: readonly (keyof CacheCounters)[] = [
  'hits', 'memoryHits', 'misses', 'skipped', 'stored', 'notStored', 'savedMs', 'savedTokens', 'savedCostUsd',
  'removedInvalid', 'unknownKey', 'expired', 'evicted',
];

export function zeroCounters(): CacheCounters {
  return Object.fromEntries(COUNTER_NAMES.map((k) => [k, 0])) as unknown as CacheCounters;
}

export function addCounters(into: CacheCounters, delta: Partial<CacheCounters>): CacheCounters {
  for (const k of COUNTER_NAMES) {
    const v = delta[k];
    if (typeof v === 'number' && Number.isFinite(v)) into[k] += v;
  }
  return into;
}

function subtract(a: CacheCounters, b: CacheCounters): CacheCounters {
  const out = zeroCounters();
  for (const k of COUNTER_NAMES) out[k] = a[k] - b[k];
  return out;
}

const SESSION = /^s-[0-9a-z-]+\.json$/;
const MERGED = /^m-[0-9a-z-]+\.json$/;
const CLAIMED = '.claimed-';

interface StatsFile {
  counters?: Partial<CacheCounters>;
  /** In a merged file: the claimed files it already contains (they are skipped until deleted). */
  folded?: string[];
}

export interface StatsStoreOptions {
  clock: () => number;
  /** Writes are batched: at most one per this many ms. */
  flushDelayMs?: number;
  retry?: RetryOptions;
  /** A write failed (the cache decides whether the storage is unusable). */
  onError?: (err: unknown) => void;
  /** False while the cache is off: counts are kept in memory, nothing is written. */
  writable?: () => boolean;
  /** The cache folder's link-safe folder checks, for writes (without it, the folder is simply made). */
  tree?: CacheTree;
}

/**
 * Persistent counters for one workspace, safe with several windows and
 * headless processes at once, without locks and without lost updates.
 *
 * Each process owns one session file (`s-<session>.json`) holding what it
 * counted, rewritten atomically (tmp + rename) at most once per flush delay;
 * nobody else ever writes it, so no update of another process can be lost.
 * Reading sums every file. To keep the number of files bounded, `compact`
 * folds files idle for a day into one merged file (`m-….json`): it first
 * claims each by renaming it to `<name>.claimed-<compactor>-<time>` (atomic, so only
 * one compactor gets it), writes the merged file listing the claimed names,
 * then deletes them. Readers count a claimed file unless a merged file lists
 * it, so a crash at any step neither loses nor double-counts. A session whose
 * idle file was folded notices its file is gone at its next write and from
 * then on writes only what it counted since.
 */
export class StatsStore {
  readonly sessionId = `${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly ownName = `s-${this.sessionId}.json`;
  /** What this session's file should hold. */
  private local = zeroCounters();
  /** What it held at the last successful write. */
  private written: CacheCounters | undefined;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly fs: CacheFs,
    readonly dir: string,
    private readonly opts: StatsStoreOptions,
  ) {}

  add(delta: Partial<CacheCounters>): void {
    addCounters(this.local, delta);
    this.dirty = true;
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.opts.flushDelayMs ?? 1000);
      this.timer.unref?.();
    }
  }

  /** Writes what is pending now. Never rejects; failures go to onError. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.chain = this.chain.then(() => this.write()).catch((err) => this.opts.onError?.(err));
    return this.chain;
  }

  private async write(): Promise<void> {
    if (!this.dirty || this.opts.writable?.() === false) return;
    this.dirty = false;
    const file = path.join(this.dir, this.ownName);
    if (this.written) {
      try {
        await this.fs.lstat(file);
      } catch (err) {
        if (errorCode(err) !== 'ENOENT') throw err;
        // Folded into a merged file by a compactor: keep only what came since.
        this.local = subtract(this.local, this.written);
      }
    }
    const snapshot = { ...this.local };
    try {
      await writeAtomic(this.fs, file, Buffer.from(JSON.stringify({ counters: snapshot } satisfies StatsFile)), { retry: this.opts.retry, tree: this.opts.tree });
      this.written = snapshot;
    } catch (err) {
      this.dirty = true;
      throw err;
    }
  }

  /** The totals: every process's files plus what this one has not written yet. */
  async read(): Promise<CacheCounters> {
    const files = await this.load();
    const total = zeroCounters();
    const folded = new Set(files.flatMap((f) => f.content.folded ?? []));
    for (const f of files) {
      if (f.name === this.ownName) continue;
      if (f.name.includes(CLAIMED) && folded.has(f.name)) continue;
      addCounters(total, f.content.counters ?? {});
    }
    return addCounters(total, this.local);
  }

  /**
   * Every statistics file: regular files of ours only, each read once within
   * its bound (a link, a FIFO, another user's file or a huge one is skipped;
   * verify reports them).
   */
  private async load(): Promise<{ name: string; content: StatsFile; mtimeMs: number }[]> {
    let names;
    try {
      names = await this.fs.readdir(this.dir);
    } catch (err) {
      if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ENOTDIR') return [];
      throw err;
    }
    const out: { name: string; content: StatsFile; mtimeMs: number }[] = [];
    for (const { name, type } of names) {
      if (type !== 'file' || name.endsWith(TMP_SUFFIX) || !(SESSION.test(name) || MERGED.test(name) || name.includes(CLAIMED))) continue;
      try {
        const { bytes, stat } = await this.fs.readFile(path.join(this.dir, name), { maxBytes: READ_LIMITS.stats });
        if (isForeign(stat)) continue;
        const content = JSON.parse(bytes.toString('utf8')) as StatsFile;
        if (content && typeof content === 'object') out.push({ name, content, mtimeMs: stat.mtimeMs });
      } catch {
        // gone meanwhile (claimed or deleted), refused or unreadable: statistics, not answers
      }
    }
    return out;
  }

  /**
   * Folds files idle for `idleMs` into one merged file once there are more
   * than `minFiles`. Returns how many files were folded.
   */
  async compact(opts: { idleMs?: number; minFiles?: number } = {}): Promise<number> {
    const idleMs = opts.idleMs ?? 24 * 60 * 60_000;
    const files = await this.load();
    if (files.length <= (opts.minFiles ?? 16)) return 0;
    const now = this.opts.clock();
    // Claimed files that a merged file already holds: finish their deletion first, so the
    // merged files holding them can themselves be folded without counting them twice.
    const folded = new Set(files.flatMap((f) => f.content.folded ?? []));
    for (const f of files) if (folded.has(f.name)) await this.fs.unlink(path.join(this.dir, f.name)).catch(() => undefined);
    const me = randomBytes(4).toString('hex');
    const claimed: { name: string; counters: Partial<CacheCounters> }[] = [];
    for (const f of files) {
      if (f.name === this.ownName || folded.has(f.name) || now - f.mtimeMs < idleMs) continue;
      // Another compactor's claim is taken over only when it is as stale as an idle file
      // (that compactor died): its time is in the name, as a rename keeps the file's mtime.
      if (f.name.includes(CLAIMED) && now - Number(f.name.split('-').pop()) < idleMs) continue;
      const original = f.name.split(CLAIMED)[0];
      const claimName = `${original}${CLAIMED}${me}-${now}`;
      try {
        await this.fs.rename(path.join(this.dir, f.name), path.join(this.dir, claimName));
      } catch {
        continue; // another compactor got it
      }
      // Read after claiming: the owner may have rewritten it just before.
      try {
        const content = JSON.parse((await this.fs.readFile(path.join(this.dir, claimName), { maxBytes: READ_LIMITS.stats })).bytes.toString('utf8')) as StatsFile;
        claimed.push({ name: claimName, counters: content.counters ?? {} });
      } catch {
        claimed.push({ name: claimName, counters: {} });
      }
    }
    if (!claimed.length) return 0;
    const sum = zeroCounters();
    for (const c of claimed) addCounters(sum, c.counters);
    const merged: StatsFile = { counters: sum, folded: claimed.map((c) => c.name) };
    await writeAtomic(this.fs, path.join(this.dir, `m-${me}-${randomBytes(4).toString('hex')}.json`), Buffer.from(JSON.stringify(merged)), { retry: this.opts.retry, tree: this.opts.tree });
    for (const c of claimed) await this.fs.unlink(path.join(this.dir, c.name)).catch(() => undefined);
    return claimed.length;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
