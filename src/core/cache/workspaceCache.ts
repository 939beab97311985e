import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import * as path from 'node:path';
import { writeAtomic } from './atomicWrite';
import { isKeyHash, type CacheKey } from './cacheKey';
import { READ_LIMITS, type CacheLayout } from './cacheLayout';
import { parseCachedRun, type CachedRun } from './cachedRun';
import type { CachePolicy } from './cachePolicy';
import { zeroCounters, type CacheCounters, type StatsStore } from './cacheStats';
import { emptyVerifyReport, verifyWorkspace, type VerifyReport } from './cacheVerify';
import { DiskStore, type ReadLimits, type StoreEnv } from './diskStore';
import { HEADER_BYTES, MAC_BYTES, entryReadLimit, type EntryDefect } from './entryFormat';
import { describeRefusal, errorCode, isStorageUnusable, RefusedPath } from './fsLike';
import { LayoutRepair, repairShared } from './layoutRepair';
import type { MemoryLayer } from './memoryLayer';
import { explainMiss, type MissCause, type NearRecord } from './missExplainer';

export type { VerifyReport } from './cacheVerify';

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

export interface LookupOptions {
  /** The run's signal: once aborted, the lookup stops at once with a miss (cause `aborted`), whatever it was waiting for. */
  signal?: AbortSignal;
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
  /** Verify put the layout right: a cache that was off because of it may turn back on. */
  layoutRepaired(report: VerifyReport): Promise<void>;
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

  /** What an answer's read accepts now: the per-entry limit and TTL in force, not those it was stored under. */
  private get answerLimits(): ReadLimits {
    return { maxBytes: entryReadLimit(this.core.policy.maxEntryBytes), maxTtlMs: this.core.policy.ttlMs };
  }

  async lookup(key: CacheKey, opts: LookupOptions = {}): Promise<LookupResult> {
    checkKey(key);
    if (!this.core.isOn) return { kind: 'miss', cause: { kind: 'cache-off' } };
    const { signal } = opts;
    if (signal?.aborted) return this.aborted();
    const now = this.core.env.clock();
    // Nothing below can block for good (bounded, non-blocking reads), but a slow disk
    // or network share must not hold up a cancelled run: the race returns at once and
    // whatever is still pending finishes unobserved.
    const found = await untilAborted(this.find(key, now, signal), signal);
    if (found === ABORTED) return this.aborted();
    return found.kind === 'hit' ? this.hit(found.run, found.createdAt, now, found.layer) : this.miss(found.cause, found.defect);
  }

  /** The lookup itself: memory, then disk. Counts what it finds on disk (expired, removed…), not the hit or miss. */
  private async find(key: CacheKey, now: number, signal: AbortSignal | undefined): Promise<Found> {
    const ttlMs = this.core.policy.ttlMs;
    const mem = this.core.memory.get(this.id, key.hash);
    if (mem) {
      // A lowered TTL applies to what was loaded before too.
      if (now < Math.min(mem.expiresAt, mem.createdAt + ttlMs) && mem.generation === (await this.currentGeneration())) {
        this.touch(key.hash, this.entries.file(key.hash), now);
        return { kind: 'hit', run: mem.run, createdAt: mem.createdAt, layer: 'memory' };
      }
      this.core.memory.delete(this.id, key.hash);
    }
    if (signal?.aborted) return { kind: 'miss', cause: { kind: 'aborted' } };
    let read;
    try {
      read = await this.entries.read(key.hash, this.answerLimits);
    } catch (err) {
      this.core.ioFailed(err, 'reading an entry');
      return { kind: 'miss', cause: this.core.isOn ? { kind: 'io-error' } : { kind: 'cache-off' } };
    }
    if (read.kind === 'miss') {
      if (read.reason === 'absent') return { kind: 'miss', cause: { kind: 'absent' } };
      if (read.reason === 'unsafe') return { kind: 'miss', cause: { kind: 'unsafe' } };
      if (read.reason === 'expired') {
        this.count({ expired: 1 });
        return { kind: 'miss', cause: { kind: 'expired' } };
      }
      if (read.defect === 'unknown-key') {
        this.count({ unknownKey: 1 });
        return { kind: 'miss', cause: { kind: 'unknown-key' } };
      }
      if (read.defect === 'newer-format') return { kind: 'miss', cause: { kind: 'newer-format' } };
      if (read.removed) this.count({ removedInvalid: 1 });
      return { kind: 'miss', cause: { kind: 'invalid' }, defect: read.defect };
    }
    const run = parseCachedRun(read.content);
    if (!run) {
      // Verified but not a run: a writer bug. Same treatment as damage.
      if (await this.entries.removeIfUnchanged(read.file, read.raw).catch(() => false)) this.count({ removedInvalid: 1 });
      return { kind: 'miss', cause: { kind: 'invalid' } };
    }
    const h = read.header;
    const expiresAt = h.createdAt + Math.min(h.ttlMs, ttlMs);
    if (this.core.memory.enabled) {
      const entry = { run, createdAt: h.createdAt, expiresAt, bytes: read.raw.length, generation: await this.currentGeneration() };
      this.core.memory.set(this.id, key.hash, entry, expiresAt - now);
    }
    this.touch(key.hash, read.file, now);
    return { kind: 'hit', run, createdAt: h.createdAt, layer: 'disk' };
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

  /** A cancelled run's lookup: not counted as a miss (nothing was looked up to the end). */
  private aborted(): LookupResult {
    this.core.notify({ type: 'lookup', workspaceId: this.id, hit: false, cause: 'aborted' });
    return { kind: 'miss', cause: { kind: 'aborted' } };
  }

  private miss(cause: MissCause, defect?: EntryDefect): LookupResult {
    if (cause.kind === 'aborted') return this.aborted();
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
      if (err instanceof RefusedPath) return this.notStored(damaged(this.core.env.tree.rel(err.path), err));
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
        const content = Buffer.from(JSON.stringify(near), 'utf8');
        if (HEADER_BYTES + content.length + MAC_BYTES > READ_LIMITS.near) continue; // would never be read back
        try {
          this.core.noteWritten(await this.near.write(nearHash, content, NEAR_TTL_MS, near.createdAt));
        } catch (err) {
          // A damaged layout: explanations wait for verify.
          if (!(err instanceof RefusedPath)) this.core.ioFailed(err, 'writing the near index');
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

  /** A miss in words; consults the near index ("claude CLI version changed (…)"). Skips that read once `signal` is aborted. */
  async explainMiss(key: CacheKey, miss: Extract<LookupResult, { kind: 'miss' }>, opts: LookupOptions = {}): Promise<string> {
    let near = this.pendingNear.get(key.nearHash);
    if (!near && miss.cause.kind === 'absent' && this.core.isOn && !opts.signal?.aborted) {
      try {
        const r = await untilAborted(this.near.read(key.nearHash, { maxBytes: READ_LIMITS.near }), opts.signal);
        if (r === ABORTED) return explainMiss({ kind: 'aborted' }, key.summary, undefined, this.core.env.clock());
        if (r.kind === 'hit') near = parseNear(r.content);
        else if (r.kind === 'miss' && r.reason === 'defect' && r.removed) this.count({ removedInvalid: 1 });
      } catch {
        // an explanation is a nicety
      }
    }
    // The answer it recorded expires by the TTL in force now if that is shorter.
    if (near) near = { ...near, ttlMs: Math.min(near.ttlMs, this.core.policy.ttlMs) };
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
      for (const f of (await this.entries.list().catch(() => undefined))?.files ?? []) {
        if (f.kind !== 'entry' || f.type !== 'file') continue;
        try {
          bytes += (await this.core.env.fs.lstat(f.file)).size;
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
   * Re-checks every entry: deletes the invalid and expired (by the TTL in
   * force), counts what it cannot check (another secret) and leaves those
   * alone, and removes temporary files older than the orphan threshold. Puts
   * the layout right first (the shared folders, then this workspace's): see
   * LayoutRepair for what is repaired and what is only reported.
   */
  async verify(): Promise<VerifyReport> {
    const report = emptyVerifyReport();
    const repair = new LayoutRepair(this.core.env.tree, report);
    await repairShared(this.core.layout, repair);
    await this.verifyInto(report, repair);
    await this.core.layoutRepaired(report);
    return report;
  }

  /** This workspace's part of a verify, added to `report` (ResponseCache.verify sums every workspace so). */
  async verifyInto(report: VerifyReport, repair: LayoutRepair): Promise<void> {
    const stores = [
      { store: this.entries, parse: parseCachedRun, limits: this.answerLimits },
      { store: this.near, parse: parseNear, limits: { maxBytes: READ_LIMITS.near } },
    ];
    const { removed, expired } = await verifyWorkspace({ env: this.core.env, layout: this.core.layout, workspaceId: this.id, stores, tmpMaxAgeMs: this.core.tmpMaxAgeMs }, report, repair);
    this.scanned = undefined;
    if (removed) this.count({ removedInvalid: removed });
    if (expired) this.count({ expired });
  }

  /** Deletes this workspace's entries (and, with `stats`, its statistics); other windows drop their memory copies within a second. */
  /**
   * Throws RefusedPath when the workspace folder or the trash is not a real
   * folder of ours (a link or a file there; verify repairs it): nothing is
   * ever moved or removed through a link.
   */
  async clear(opts: { stats?: boolean } = {}): Promise<void> {
    this.core.memory.deleteWorkspace(this.id);
    this.pendingNear.clear();
    this.touched.clear();
    this.scanned = undefined;
    const { fs, tree } = this.core.env;
    const layout = this.core.layout;
    const dirs = [layout.entriesDir(this.id), layout.nearDir(this.id)];
    if (opts.stats) dirs.push(layout.statsDir(this.id));
    await tree.ensureDir(layout.trashDir);
    const wsDir = await tree.checkDir(layout.workspaceDir(this.id));
    if (wsDir instanceof RefusedPath) throw wsDir;
    for (const dir of wsDir === 'absent' ? [] : dirs) {
      const st = await tree.lstatOrUndefined(dir);
      if (!st || tree.isForeign(st)) continue; // not ours to move (a link or file of ours is moved as itself)
      // Moved away first (atomic), so a concurrent reader sees all entries or none.
      const trash = path.join(layout.trashDir, `${this.id}-${randomBytes(6).toString('hex')}`);
      try {
        await fs.rename(dir, trash);
      } catch (err) {
        if (errorCode(err) === 'ENOENT') continue;
        throw err;
      }
      await tree.remove(trash).catch(() => undefined); // else the next sweep
    }
    const token = randomBytes(8).toString('hex');
    await writeAtomic(fs, layout.generationFile(this.id), Buffer.from(token), { retry: this.core.env.retry, tree });
    this.generation = { token, readAt: this.core.env.clock() };
    this.core.notify({ type: 'cleared', workspaceId: this.id });
  }

  private async currentGeneration(): Promise<string> {
    const now = this.core.env.clock();
    if (now - this.generation.readAt < GENERATION_CHECK_MS) return this.generation.token;
    let token = '';
    try {
      token = (await this.core.env.fs.readFile(this.core.layout.generationFile(this.id), { maxBytes: READ_LIMITS.generation })).bytes.toString('utf8');
    } catch (err) {
      if (isStorageUnusable(err)) this.core.ioFailed(err, 'reading the cache generation');
    }
    this.generation = { token, readAt: now };
    return token;
  }
}

type Found = { kind: 'hit'; run: CachedRun; createdAt: number; layer: 'memory' | 'disk' } | { kind: 'miss'; cause: MissCause; defect?: EntryDefect };

const ABORTED = Symbol('aborted');

/** `work`, or ABORTED as soon as `signal` is (the work goes on unobserved; its failure is swallowed). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T | typeof ABORTED> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.resolve(ABORTED);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Why a store did not happen on a damaged layout, in words. */
function damaged(rel: string, err: RefusedPath): string {
  const fix = err.refusal === 'foreign-owner' ? 'left alone: it is not ours to change' : 'verifying the cache repairs it';
  return `the cache folder is damaged: ${rel} ${describeRefusal(err.refusal)} (${fix})`;
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
