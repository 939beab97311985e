import { DEFAULT_RETRY, tmpNameFor, type RetryOptions } from './atomicWrite';
import { CacheLayout } from './cacheLayout';
import { DEFAULT_POLICY, type CachePolicy } from './cachePolicy';
import { KeyRing, type CacheSecret } from './cacheSecret';
import { addCounters, StatsStore, zeroCounters } from './cacheStats';
import { CacheTree } from './cacheTree';
import { emptyVerifyReport } from './cacheVerify';
import type { StoreEnv } from './diskStore';
import { describeRefusal, errorCode, isStorageUnusable, nodeFs, RefusedPath, type CacheFs } from './fsLike';
import { LayoutRepair, repairShared } from './layoutRepair';
import { MemoryLayer } from './memoryLayer';
import { sweep as sweepCache, type SweepReport } from './sweeper';
import { isWorkspaceId } from './workspaceId';
import { WorkspaceCache, type CacheActivity, type CacheCore, type VerifyReport, type WorkspaceStats } from './workspaceCache';
import { nullLogger, type Logger } from '../log';

export interface ResponseCacheOptions {
  /** A folder the cache may own (VS Code: `context.globalStorageUri.fsPath`; headless: `--storage`). */
  root: string;
  /** Signs new entries; see cacheSecret.ts. */
  secret: CacheSecret;
  /** Older secrets still accepted for reading (rotation). */
  acceptedSecrets?: readonly CacheSecret[];
  policy?: Partial<CachePolicy>;
  /** Bound on all entry files together (default 100 MB), kept by background sweeps. */
  maxTotalBytes?: number;
  /** In-memory layer (per process) in bytes (default 16 MB); 0 turns it off. */
  memoryMaxBytes?: number;
  /** Called once when the storage turns out unusable and the cache turns itself off. */
  onWarning?(message: string): void;
  logger?: Logger;
  /** fsync entries before renaming them into place (default off: a crash of the process cannot tear a file either way; power loss can, and the MAC then catches it). */
  fsync?: boolean;
  /** Sweep by itself (in the background) once this much has been written since the last sweep (default: 10% of maxTotalBytes); 0 turns this off. */
  sweepAfterBytes?: number;
  /** Temporary files older than this are orphans (default 1 h). */
  tmpMaxAgeMs?: number;
  /** Sweeps closer together than this (in any process) are skipped (default 5 min). */
  sweepMinIntervalMs?: number;
  /** Tolerated clock difference for entries created "in the future" (default 5 min). */
  clockSkewToleranceMs?: number;
  /** Statistics are written at most this often per process (default 1 s). */
  statsFlushDelayMs?: number;
  // For tests:
  clock?: () => number;
  fs?: CacheFs;
  retry?: RetryOptions;
}

export interface CacheState {
  on: boolean;
  /** Why it is off. */
  reason?: string;
}

export interface CacheStatsReport {
  total: Omit<WorkspaceStats, 'workspaceId'>;
  workspaces: WorkspaceStats[];
}

const MB = 1 << 20;

function describeUnusable(err: unknown, tree: CacheTree): string {
  if (err instanceof RefusedPath) return `the cache folder is damaged (${tree.rel(err.path)} ${describeRefusal(err.refusal)}; verifying the cache repairs it)`;
  switch (errorCode(err)) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk is full';
    case 'EROFS':
      return 'the storage is read-only';
    case 'EACCES':
    case 'EPERM':
      return 'Agent Relay may not write its cache folder';
    default:
      return 'the cache folder cannot be used';
  }
}

/**
 * The HMAC-verified response cache, for every workspace, under one root
 * folder. Open it once per process with `ResponseCache.open`, get a
 * workspace's cache with `workspace(id)`, and wrap providers with
 * `CachingProvider`. No method throws for storage problems; an unusable
 * storage turns the cache off (`state`, one `onWarning`) and runs go on
 * uncached.
 */
export class ResponseCache {
  readonly layout: CacheLayout;
  private readonly core: CacheCore & { policy: CachePolicy; isOn: boolean };
  private readonly workspaces = new Map<string, WorkspaceCache>();
  private readonly statsStores = new Map<string, StatsStore>();
  private readonly listeners = new Set<(a: CacheActivity) => void>();
  private readonly logger: Logger;
  private readonly maxTotalBytes: number;
  private readonly sweepAfterBytes: number;
  private offReason: string | undefined;
  private bytesSinceSweep = 0;
  private sweeping: Promise<SweepReport> | undefined;
  /** Paths a sweep skipped that were logged already (each once per process, not every ten minutes). */
  private readonly reportedSkips = new Set<string>();
  private timers: NodeJS.Timeout[] = [];
  private closed = false;

  private constructor(private readonly opts: ResponseCacheOptions) {
    this.layout = new CacheLayout(opts.root);
    this.logger = opts.logger ?? nullLogger;
    this.maxTotalBytes = opts.maxTotalBytes ?? 100 * MB;
    this.sweepAfterBytes = opts.sweepAfterBytes ?? Math.floor(this.maxTotalBytes / 10);
    const clock = opts.clock ?? Date.now;
    const fs = opts.fs ?? nodeFs;
    const env: StoreEnv = {
      fs,
      tree: new CacheTree(fs, this.layout.dir),
      keys: new KeyRing(opts.secret, opts.acceptedSecrets),
      clock,
      skewToleranceMs: opts.clockSkewToleranceMs ?? 5 * 60_000,
      retry: opts.retry ?? DEFAULT_RETRY,
      flush: opts.fsync ?? false,
    };
    const self = this;
    this.core = {
      env,
      layout: this.layout,
      memory: new MemoryLayer({ maxBytes: opts.memoryMaxBytes ?? 16 * MB, clock: opts.clock }),
      policy: { ...DEFAULT_POLICY, ...opts.policy },
      get isOn() {
        return self.offReason === undefined;
      },
      tmpMaxAgeMs: opts.tmpMaxAgeMs ?? 60 * 60_000,
      statsFor: (id) => this.statsFor(id),
      ioFailed: (err, doing) => this.ioFailed(err, doing),
      notify: (a) => this.notify(a),
      noteWritten: (bytes) => this.noteWritten(bytes),
      layoutRepaired: async (report) => {
        if (report.repaired.length && this.offReason !== undefined) await this.reenable();
      },
    };
  }

  /**
   * Opens (creating) the cache under `root` and checks that it can write
   * there; if it cannot, the cache starts off (with the warning). Throws only
   * for an unusable secret (CacheSecretError).
   */
  static async open(opts: ResponseCacheOptions): Promise<ResponseCache> {
    const cache = new ResponseCache(opts);
    const { fs, tree } = cache.core.env;
    try {
      await tree.ensureDir(cache.layout.workspacesDir);
      const probe = tmpNameFor(`${cache.layout.dir}/probe`);
      await fs.writeFile(probe, 'probe', { exclusive: true });
      await fs.unlink(probe);
    } catch (err) {
      cache.turnOff(err, 'opening the cache folder');
    }
    return cache;
  }

  get state(): CacheState {
    return this.offReason === undefined ? { on: true } : { on: false, reason: this.offReason };
  }

  get policy(): CachePolicy {
    return this.core.policy;
  }

  /** Settings changed: applies to lookups and stores from now on. */
  setPolicy(policy: Partial<CachePolicy>): void {
    this.core.policy = { ...this.core.policy, ...policy };
  }

  /** The cache of one workspace (see workspaceId.ts for the id). */
  workspace(workspaceId: string): WorkspaceCache {
    if (!isWorkspaceId(workspaceId)) throw new TypeError(`Not a workspace id: ${JSON.stringify(workspaceId)} (use workspaceId()).`);
    let ws = this.workspaces.get(workspaceId);
    if (!ws) {
      ws = new WorkspaceCache(this.core, workspaceId);
      this.workspaces.set(workspaceId, ws);
    }
    return ws;
  }

  /** Everything the cache does, for a status bar. Returns the unsubscribe function. */
  onActivity(listener: (a: CacheActivity) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * One sweep (expiry, orphans, byte bound), at most one at a time per
   * process; with `force` even if another process swept recently.
   */
  sweep(opts: { force?: boolean } = {}): Promise<SweepReport> {
    if (this.sweeping) return this.sweeping;
    this.bytesSinceSweep = 0;
    const run = sweepCache(
      this.core.env,
      this.layout,
      {
        maxTotalBytes: this.maxTotalBytes,
        tmpMaxAgeMs: this.core.tmpMaxAgeMs,
        minIntervalMs: this.opts.sweepMinIntervalMs ?? 5 * 60_000,
        force: opts.force,
        maxEntryBytes: this.core.policy.maxEntryBytes,
        ttlMs: this.core.policy.ttlMs,
      },
      {
        count: (ws, delta) => this.statsFor(ws).add(delta),
        compactStats: (ws) => this.statsFor(ws).compact(),
      },
    )
      .then((report) => {
        const fresh = report.skipped.filter((p) => !this.reportedSkips.has(p));
        if (fresh.length) {
          for (const p of fresh) this.reportedSkips.add(p);
          this.logger.warn(`response cache: left alone (links are never followed; what another user owns is not ours; a file where a folder belongs is repaired by verifying the cache) in ${this.layout.dir}: ${fresh.join(', ')}`);
        }
        if (report.ran) {
          this.logger.debug(`cache sweep: ${report.entries} entries, ${report.bytes} bytes; removed ${report.expiredRemoved} expired, ${report.invalidRemoved} invalid, ${report.evicted} evicted, ${report.tmpRemoved} orphans in ${report.durationMs} ms`);
          this.notify({ type: 'swept', evicted: report.evicted, expiredRemoved: report.expiredRemoved, invalidRemoved: report.invalidRemoved, entries: report.entries, bytes: report.bytes });
        }
        return report;
      })
      .catch((err): SweepReport => {
        this.ioFailed(err, 'sweeping');
        throw err;
      })
      .finally(() => (this.sweeping = undefined));
    this.sweeping = run;
    return run;
  }

  /**
   * Sweeps in the background: once after `initialDelayMs` (default 1 min, off
   * the activation path), then every `intervalMs` (default 10 min). Timers are
   * unref'd; dispose (or close) stops them.
   */
  startBackgroundSweeps(opts: { initialDelayMs?: number; intervalMs?: number } = {}): { dispose(): void } {
    const background = () => {
      if (!this.closed && this.state.on) this.sweep().catch((err) => this.logger.warn(`cache sweep failed: ${String(err)}`));
    };
    const first = setTimeout(background, opts.initialDelayMs ?? 60_000);
    const every = setInterval(background, opts.intervalMs ?? 10 * 60_000);
    first.unref?.();
    every.unref?.();
    this.timers.push(first, every);
    return {
      dispose: () => {
        clearTimeout(first);
        clearInterval(every);
      },
    };
  }

  /** Statistics of every workspace in the cache folder, and their sum. */
  async stats(): Promise<CacheStatsReport> {
    const workspaces: WorkspaceStats[] = [];
    for (const id of await this.workspaceIds()) workspaces.push(await this.workspace(id).stats());
    const total = { ...zeroCounters(), entries: 0, bytes: 0 };
    for (const w of workspaces) {
      addCounters(total, w);
      total.entries += w.entries;
      total.bytes += w.bytes;
    }
    return { total, workspaces };
  }

  /**
   * `verify` for every workspace, summed, after the shared folders. What is
   * where a workspace folder belongs (a file, a link) is repaired like any
   * folder of the layout.
   */
  async verify(): Promise<VerifyReport> {
    const report = emptyVerifyReport();
    const repair = new LayoutRepair(this.core.env.tree, report);
    try {
      await repairShared(this.layout, repair);
      const names = await this.core.env.fs.readdir(this.layout.workspacesDir).catch((err) => (errorCode(err) === 'ENOENT' ? [] : Promise.reject(err)));
      for (const id of names.map((e) => e.name).filter(isWorkspaceId).sort()) await this.workspace(id).verifyInto(report, repair);
    } catch (err) {
      this.ioFailed(err, 'verifying');
      throw err;
    }
    await this.core.layoutRepaired(report);
    return report;
  }

  /** Clears every workspace (entries; statistics too with `stats`). */
  async clear(opts: { stats?: boolean } = {}): Promise<void> {
    for (const id of await this.workspaceIds()) await this.workspace(id).clear(opts);
    this.core.memory.clear();
    this.notify({ type: 'cleared' });
  }

  /** After the user fixed the storage: tries again (returns whether the cache is on). */
  async reenable(): Promise<boolean> {
    if (this.offReason === undefined) return true;
    const offBefore = this.offReason;
    this.offReason = undefined;
    const { fs, tree } = this.core.env;
    try {
      await tree.ensureDir(this.layout.workspacesDir);
      const probe = tmpNameFor(`${this.layout.dir}/probe`);
      await fs.writeFile(probe, 'probe', { exclusive: true });
      await fs.unlink(probe);
      this.notify({ type: 'state', on: true });
      return true;
    } catch {
      this.offReason = offBefore; // still unusable: no second warning
      return false;
    }
  }

  /** Finishes background writes (near index) and writes pending statistics. */
  async flush(): Promise<void> {
    await Promise.all([...this.workspaces.values()].map((w) => w.settle()));
    await Promise.all([...this.statsStores.values()].map((s) => s.flush()));
  }

  /** Stops background work and writes pending statistics (call from deactivate / before a headless exit). */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    await this.flush();
    for (const s of this.statsStores.values()) s.dispose();
  }

  /** The workspaces with a folder of their own (a link or file there is not one: verify repairs it). */
  private async workspaceIds(): Promise<string[]> {
    try {
      return (await this.core.env.fs.readdir(this.layout.workspacesDir))
        .filter((e) => e.type === 'dir' && isWorkspaceId(e.name))
        .map((e) => e.name)
        .sort();
    } catch (err) {
      if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ENOTDIR') return [];
      throw err;
    }
  }

  private statsFor(workspaceId: string): StatsStore {
    let s = this.statsStores.get(workspaceId);
    if (!s) {
      s = new StatsStore(this.core.env.fs, this.layout.statsDir(workspaceId), {
        clock: this.core.env.clock,
        flushDelayMs: this.opts.statsFlushDelayMs,
        retry: this.core.env.retry,
        onError: (err) => (err instanceof RefusedPath ? undefined : this.ioFailed(err, 'writing statistics')),
        writable: () => this.offReason === undefined,
        tree: this.core.env.tree,
      });
      this.statsStores.set(workspaceId, s);
    }
    return s;
  }

  private ioFailed(err: unknown, doing: string): void {
    if (isStorageUnusable(err)) this.turnOff(err, doing);
    else this.logger.warn(`response cache: ${doing} failed: ${err instanceof Error ? err.message : String(err)}`);
  }

  private turnOff(err: unknown, doing: string): void {
    if (this.offReason !== undefined) return;
    const code = errorCode(err);
    this.offReason = `${describeUnusable(err, this.core.env.tree)}${code && !(err instanceof RefusedPath) ? ` (${code})` : ''}`;
    const message = `Agent Relay's response cache is off: ${this.offReason} while ${doing} in ${this.layout.dir}. Runs go on without the cache.`;
    this.logger.warn(`${message} ${err instanceof Error ? err.message : String(err)}`);
    this.core.memory.clear();
    this.notify({ type: 'state', on: false, reason: this.offReason });
    try {
      this.opts.onWarning?.(message);
    } catch {
      // the warning is the caller's; it must not break a run
    }
  }

  private notify(a: CacheActivity): void {
    for (const l of this.listeners) {
      try {
        l(a);
      } catch (err) {
        this.logger.error(`cache activity listener failed: ${String(err)}`);
      }
    }
  }

  private noteWritten(bytes: number): void {
    this.bytesSinceSweep += bytes;
    if (this.sweepAfterBytes > 0 && this.bytesSinceSweep >= this.sweepAfterBytes && !this.sweeping && !this.closed) {
      // Never inline with the run that wrote: a later turn of the event loop.
      setImmediate(() => this.sweep({ force: true }).catch(() => undefined));
      this.bytesSinceSweep = 0;
    }
  }
}
