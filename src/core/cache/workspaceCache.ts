import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import * as path from 'node:path';
import { writeAtomic } from './atomicWrite';
import { isKeyHash, type CacheKey } from './cacheKey';
import type { CacheLayout } from './cacheLayout';
import { parseCachedRun, type CachedRun } from './cachedRun';
import type { CachePolicy } from './cachePolicy';
import { zeroCounters, type CacheCounters, type StatsStore } from './cacheStats';
import { DiskStore, type StoreEnv } from './diskStore';
import { HEADER_BYTES, MAC_BYTES, isDamage, type EntryDefect } from './entryFormat';
import { errorCode, isStorageUnusable } from './fsLike';
import type { MemoryLayer } from './memoryLayer';
import { explainMiss, type MissCause, type NearRecord } from './missExplainer';

export type LookupResult =
  | { kind: 'hit'; run: CachedRun; createdAt: number; ageMs: number; layer: 'memory' | 'disk' }
  | { kind: 'miss'; cause: MissCause; defect?: EntryDefect };

export type StoreResult = { kind: 'stored'; bytes: number } | { kind: 'not-stored'; reason: string };

export interface WorkspaceStats extends CacheCounters {
  workspaceId: string;
  /** Answers stored now, and their bytes on disk. */
  entries: number;
  bytes: number;
}

export interface VerifyReport {
  /** Entry files looked at (answers and near index). */
  checked: number;
  valid: number;
  /** Deleted as invalid (failed verification, truncated, unparseable, old format, under another key's name). */
  removed: number;
  removedByDefect: Partial<Record<EntryDefect | 'unparseable', number>>;
  expiredRemoved: number;
  /** Signed with a secret we do not hold (or by a newer format): left alone. */
  unverifiable: number;
  tmpRemoved: number;
}

export type CacheActivity =
  | { type: 'lookup'; workspaceId: string; hit: boolean; layer?: 'memory' | 'disk'; cause?: MissCause['kind'] }
  | { type: 'store'; workspaceId: string; stored: boolean; bytes?: number; reason?: string }
  | { type: 'skipped'; workspaceId: string; reason: string }
  | { type: 'state'; on: boolean; reason?: string }
  | { type: 'cleared'; workspaceId?: string }
  | { type: 'swept'; evicted: number; expiredRemoved: number; invalidRemoved: number; entries: number; bytes: number };

/** What a workspace cache needs from the cache that owns it. */
export interface CacheCore {
  readonly env: StoreEnv;
  readonly layout: CacheLayout;
  readonly memory: MemoryLayer;
  readonly policy: CachePolicy;
  readonly isOn: boolean;
  readonly tmpMaxAgeMs: number;
  statsFor(workspaceId: string): StatsStore;
  /** Storage failed: decides whether it is unusable (then turns the cache off with one warning). */
  ioFailed(err: unknown, doing: string): void;
  notify(activity: CacheActivity): void;
  noteWritten(bytes: number): void;
}

/** Near records outlive answers: they explain why an answer is gone. */
const NEAR_TTL_MS = 30 * 24 * 60 * 60_000;
/** A hit refreshes the disk file's recency at most this often (per process). */
const TOUCH_EVERY_MS = 60_000;
/** Near-index records are written once stores pause this long… */
const NEAR_IDLE_MS = 200;
/** …or once this many are waiting. */
const NEAR_MAX_PENDING = 256;
/** How long a count of the entries on disk is reused by stats(). */
const SCAN_REUSE_MS = 5000;
/** How often a memory hit re-reads the clear generation (a clear in another window). */
const GENERATION_CHECK_MS = 1000;

/**
 * The cache of one workspace: lookups (memory, then disk with verification),
 * stores, miss explanations, statistics, verify and clear. Obtain it from
 * `ResponseCache.workspace(id)`. Nothing here throws for storage problems:
 * they become misses or "not stored", and an unusable storage turns the whole
 * cache off.
 */
export class WorkspaceCache {
  private readonly entries: DiskStore;
  private readonly near: DiskStore;
  private generation = { token: '', readAt: -Infinity };
  /** When this process last refreshed each entry's recency. */
  private readonly touched = new LRUCache<string, number>({ max: 10_000 });
  /** Near-index records not yet written, by near hash; written when the cache is idle. */
  private readonly pendingNear = new Map<string, NearRecord>();
  private nearTimer: NodeJS.Timeout | undefined;
  private nearWriting: Promise<void> = Promise.resolve();
  private scanned: { at: number; entries: number; bytes: number } | undefined;

  constructor(
    private readonly core: CacheCore,
    readonly id: string,
  ) {
    this.entries = new DiskStore(core.env, core.layout.entriesDir(id));
    this.near = new DiskStore(core.env, core.layout.nearDir(id));
  }

  /** Whether the cache is on (storage usable). */
  get isOn(): boolean {
    return this.core.isOn;
  }

  /** The policy in force now (settings changes apply to the next run). */
  get policy(): CachePolicy {
    return this.core.policy;
  }

  /** Adds to this workspace's persistent counters. */
  count(delta: Partial<CacheCounters>): void {
    if (this.core.isOn) this.core.statsFor(this.id).add(delta);
  }

  async lookup(key: CacheKey): Promise<LookupResult> {
    checkKey(key);
    if (!this.core.isOn) return { kind: 'miss', cause: { kind: 'cache-off' } };
    const now = this.core.env.clock();
    const mem = this.core.memory.get(this.id, key.hash);
    if (mem) {
      if (now < mem.expiresAt && mem.generation === (await this.currentGeneration())) {
        this.touch(key.hash, this.entries.file(key.hash), now);
        return this.hit(mem.run, mem.createdAt, now, 'memory');
      }
      this.core.memory.delete(this.id, key.hash);
    }
    let read;
    try {
      read = await this.entries.read(key.hash);
    } catch (err) {
      this.core.ioFailed(err, 'reading an entry');
      return this.miss(this.core.isOn ? { kind: 'io-error' } : { kind: 'cache-off' });
    }
    if (read.kind === 'miss') {
      if (read.reason === 'absent') return this.miss({ kind: 'absent' });
      if (read.reason === 'expired') {
        this.count({ expired: 1 });
        return this.miss({ kind: 'expired' });
      }
      if (read.defect === 'unknown-key') {
        this.count({ unknownKey: 1 });
        return this.miss({ kind: 'unknown-key' });
      }
      if (read.defect === 'newer-format') return this.miss({ kind: 'newer-format' });
      if (read.removed) this.count({ removedInvalid: 1 });
      return this.miss({ kind: 'invalid' }, read.defect);
    }
    const run = parseCachedRun(read.content);
    if (!run) {
      // Verified but not a run: a writer bug. Same treatment as damage.
      if (await this.entries.removeIfUnchanged(read.file, read.raw).catch(() => false)) this.count({ removedInvalid: 1 });
      return this.miss({ kind: 'invalid' });
    }
    const h = read.header;
    if (this.core.memory.enabled) {
      const entry = { run, createdAt: h.createdAt, expiresAt: h.createdAt + h.ttlMs, bytes: read.raw.length, generation: await this.currentGeneration() };
      this.core.memory.set(this.id, key.hash, entry, h.createdAt + h.ttlMs - now);
    }
    this.touch(key.hash, read.file, now);
    return this.hit(run, h.createdAt, now, 'disk');
  }

  /**
   * Records a use in the file's mtime, which every process's sweep evicts by,
   * at most once a minute per entry per process: most hits cost no write.
   */
  private touch(keyHash: string, file: string, now: number): void {
    const last = this.touched.get(keyHash);
    if (last !== undefined && now - last < TOUCH_EVERY_MS && now >= last) return;
    this.touched.set(keyHash, now);
    this.entries.touch(file);
  }

  private hit(run: CachedRun, createdAt: number, now: number, layer: 'memory' | 'disk'): LookupResult {
    this.count({
      hits: 1,
      memoryHits: layer === 'memory' ? 1 : 0,
      savedMs: run.saved.ms,
      savedTokens: run.saved.tokens ?? 0,
      savedCostUsd: run.saved.costUsd ?? 0,
    });
    this.core.notify({ type: 'lookup', workspaceId: this.id, hit: true, layer });
    return { kind: 'hit', run, createdAt, ageMs: Math.max(0, now - createdAt), layer };
  }

  private miss(cause: MissCause, defect?: EntryDefect): LookupResult {
    if (cause.kind !== 'cache-off') this.count({ misses: 1 });
    this.core.notify({ type: 'lookup', workspaceId: this.id, hit: false, cause: cause.kind });
    return defect ? { kind: 'miss', cause, defect } : { kind: 'miss', cause };
  }

  /** Stores a finished run under `key` (the caller has decided it is cacheable). */
  async store(key: CacheKey, run: CachedRun): Promise<StoreResult> {
    checkKey(key);
    if (!this.core.isOn) return { kind: 'not-stored', reason: 'the cache is off' };
    const content = Buffer.from(JSON.stringify(run), 'utf8');
    const size = HEADER_BYTES + content.length + MAC_BYTES;
    const limit = this.core.policy.maxEntryBytes;
    if (size > limit) return this.notStored(`the answer is larger than the per-entry limit (${kb(size)} > ${kb(limit)})`);
    const now = this.core.env.clock();
    const ttlMs = this.core.policy.ttlMs;
    let bytes: number;
    try {
      bytes = await this.entries.write(key.hash, content, ttlMs, now, true);
    } catch (err) {
      this.core.ioFailed(err, 'writing an entry');
      return this.notStored(this.core.isOn ? `could not write the entry (${errorCode(err) ?? 'error'})` : 'the cache is off');
    }
    this.touched.set(key.hash, now); // a new file is as recent as it gets
    this.writeNear(key, { keyHash: key.hash, summary: key.summary, createdAt: now, ttlMs });
    if (this.core.memory.enabled) {
      this.core.memory.set(this.id, key.hash, { run, createdAt: now, expiresAt: now + ttlMs, bytes: size, generation: await this.currentGeneration() }, ttlMs);
    }
    this.count({ stored: 1 });
    this.scanned = undefined;
    this.core.noteWritten(bytes);
    this.core.notify({ type: 'store', workspaceId: this.id, stored: true, bytes: size });
    return { kind: 'stored', bytes: size };
  }

  /**
   * The near-index record only explains later misses, so no run waits for it:
   * records are kept here (explainMiss reads them at once) and written once
   * stores pause for NEAR_IDLE_MS, a burst of stores to one question writing
   * only the last. A crash loses at most the explanations of that moment.
   */
  private writeNear(key: CacheKey, near: NearRecord): void {
    this.pendingNear.set(key.nearHash, near);
    if (this.nearTimer) clearTimeout(this.nearTimer);
    const wait = this.pendingNear.size >= NEAR_MAX_PENDING ? 0 : NEAR_IDLE_MS;
    this.nearTimer = setTimeout(() => void this.settle(), wait);
    this.nearTimer.unref?.();
  }

  /** Writes the pending near-index records now. Never rejects. */
  settle(): Promise<void> {
    if (this.nearTimer) clearTimeout(this.nearTimer);
    this.nearTimer = undefined;
    this.nearWriting = this.nearWriting.then(async () => {
      const batch = [...this.pendingNear];
      this.pendingNear.clear();
      for (const [nearHash, near] of batch) {
        if (!this.core.isOn) return;
        try {
          this.core.noteWritten(await this.near.write(nearHash, Buffer.from(JSON.stringify(near), 'utf8'), NEAR_TTL_MS, near.createdAt));
        } catch (err) {
          this.core.ioFailed(err, 'writing the near index');
        }
      }
    });
    return this.nearWriting;
  }

  /** Records a run that was not stored (the caller's policy said no). */
  notStored(reason: string): StoreResult {
    this.count({ notStored: 1 });
    this.core.notify({ type: 'store', workspaceId: this.id, stored: false, reason });
    return { kind: 'not-stored', reason };
  }

  /** Records a run that did not use the cache (excluded agent, not read-only, bypass, …). */
  skipped(reason: string): void {
    this.count({ skipped: 1 });
    this.core.notify({ type: 'skipped', workspaceId: this.id, reason });
  }

  /** A miss in words; consults the near index ("claude CLI version changed (…)"). */
  async explainMiss(key: CacheKey, miss: Extract<LookupResult, { kind: 'miss' }>): Promise<string> {
    let near = this.pendingNear.get(key.nearHash);
    if (!near && miss.cause.kind === 'absent' && this.core.isOn) {
      try {
        const r = await this.near.read(key.nearHash);
        if (r.kind === 'hit') near = parseNear(r.content);
        else if (r.kind === 'miss' && r.reason === 'defect' && r.removed) this.count({ removedInvalid: 1 });
      } catch {
        // an explanation is a nicety
      }
    }
    return explainMiss(miss.cause, key.summary, near, this.core.env.clock());
  }

  /**
   * Counters summed over every process, plus the entries on disk now. The
   * entry count costs a stat per entry, so it is reused for a few seconds
   * (or until this process stores or clears) when asked again.
   */
  async stats(): Promise<WorkspaceStats> {
    const counters = await this.core.statsFor(this.id).read().catch(() => undefined);
    const now = this.core.env.clock();
    if (!this.scanned || now - this.scanned.at > SCAN_REUSE_MS || now < this.scanned.at) {
      let entries = 0;
      let bytes = 0;
      for (const f of await this.entries.list().catch(() => [])) {
        if (f.kind !== 'entry') continue;
        try {
          bytes += (await this.core.env.fs.stat(f.file)).size;
          entries++;
        } catch {
          // removed meanwhile
        }
      }
      this.scanned = { at: now, entries, bytes };
    }
    return { workspaceId: this.id, ...(counters ?? zeroCounters()), entries: this.scanned.entries, bytes: this.scanned.bytes };
  }

  /**
   * Re-checks every entry: deletes the invalid and expired, counts what it
   * cannot check (another secret) and leaves those alone, and removes
   * temporary files older than the orphan threshold.
   */
  async verify(): Promise<VerifyReport> {
    const report: VerifyReport = { checked: 0, valid: 0, removed: 0, removedByDefect: {}, expiredRemoved: 0, unverifiable: 0, tmpRemoved: 0 };
    const env = this.core.env;
    for (const [store, parse] of [[this.entries, parseCachedRun], [this.near, parseNear]] as const) {
      for (const f of await store.list()) {
        if (f.kind === 'tmp') {
          try {
            if (env.clock() - (await env.fs.stat(f.file)).mtimeMs > this.core.tmpMaxAgeMs) {
              await env.fs.unlink(f.file);
              report.tmpRemoved++;
            }
          } catch {
            // gone meanwhile
          }
          continue;
        }
        if (f.kind !== 'entry') continue;
        report.checked++;
        const r = await store.read(f.name);
        if (r.kind === 'hit') {
          if (parse(r.content)) report.valid++;
          else if (await store.removeIfUnchanged(r.file, r.raw).catch(() => false)) {
            report.removed++;
            report.removedByDefect.unparseable = (report.removedByDefect.unparseable ?? 0) + 1;
          }
        } else if (r.reason === 'expired') {
          if (r.removed) report.expiredRemoved++;
        } else if (r.reason === 'defect') {
          if (!isDamage(r.defect)) report.unverifiable++;
          else if (r.removed) {
            report.removed++;
            report.removedByDefect[r.defect] = (report.removedByDefect[r.defect] ?? 0) + 1;
          }
        }
      }
    }
    this.scanned = undefined;
    if (report.removed) this.count({ removedInvalid: report.removed });
    if (report.expiredRemoved) this.count({ expired: report.expiredRemoved });
    return report;
  }

  /** Deletes this workspace's entries (and, with `stats`, its statistics); other windows drop their memory copies within a second. */
  async clear(opts: { stats?: boolean } = {}): Promise<void> {
    this.core.memory.deleteWorkspace(this.id);
    this.pendingNear.clear();
    this.touched.clear();
    this.scanned = undefined;
    const { fs } = this.core.env;
    const dirs = [this.core.layout.entriesDir(this.id), this.core.layout.nearDir(this.id)];
    if (opts.stats) dirs.push(this.core.layout.statsDir(this.id));
    await fs.mkdir(this.core.layout.trashDir);
    for (const dir of dirs) {
      // Moved away first (atomic), so a concurrent reader sees all entries or none.
      const trash = path.join(this.core.layout.trashDir, `${this.id}-${randomBytes(6).toString('hex')}`);
      try {
        await fs.rename(dir, trash);
      } catch (err) {
        if (errorCode(err) === 'ENOENT') continue;
        throw err;
      }
      await fs.rm(trash).catch(() => undefined); // else the next sweep
    }
    const token = randomBytes(8).toString('hex');
    await writeAtomic(fs, this.core.layout.generationFile(this.id), Buffer.from(token), { retry: this.core.env.retry });
    this.generation = { token, readAt: this.core.env.clock() };
    this.core.notify({ type: 'cleared', workspaceId: this.id });
  }

  private async currentGeneration(): Promise<string> {
    const now = this.core.env.clock();
    if (now - this.generation.readAt < GENERATION_CHECK_MS) return this.generation.token;
    let token = '';
    try {
      token = (await this.core.env.fs.readFile(this.core.layout.generationFile(this.id))).toString('utf8');
    } catch (err) {
      if (isStorageUnusable(err)) this.core.ioFailed(err, 'reading the cache generation');
    }
    this.generation = { token, readAt: now };
    return token;
  }
}

/** Keys come from cacheKey(); anything else is a programming error, and must never reach a path. */
function checkKey(key: CacheKey): void {
  if (!isKeyHash(key.hash) || !isKeyHash(key.nearHash)) throw new TypeError('Not a cache key: build keys with cacheKey().');
}

function parseNear(content: Buffer): NearRecord | undefined {
  try {
    const v = JSON.parse(content.toString('utf8')) as NearRecord;
    return v && typeof v === 'object' && v.summary && typeof v.createdAt === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

const kb = (n: number) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`);
