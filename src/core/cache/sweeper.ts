import * as path from 'node:path';
import { TMP_SUFFIX, writeAtomic } from './atomicWrite';
import { READ_LIMITS, type CacheLayout } from './cacheLayout';
import type { CacheCounters } from './cacheStats';
import { folderRefusal } from './cacheTree';
import { crashPoint } from './crashPoints';
import { DiskStore, isExpired, sameFile, type StoreEnv } from './diskStore';
import { encodedSize, entryReadLimit, FORMAT_VERSION, HEADER_BYTES, peekHeader, type EntryHeader } from './entryFormat';
import { errorCode, isStorageUnusable, RefusedPath, type FileStat } from './fsLike';
import { isWorkspaceId } from './workspaceId';

export interface SweepOptions {
  /** Total bytes of all entry files (answers and near index) across workspaces. */
  maxTotalBytes: number;
  /** Temporary files older than this belong to a writer that died. Never make it short: a live writer's file would go. */
  tmpMaxAgeMs: number;
  /** Skip when any process started a sweep more recently than this (0: always run). */
  minIntervalMs: number;
  /** Evict down to this fraction of the bound, so the next put does not trigger another sweep at once. */
  lowWater?: number;
  force?: boolean;
  /** The per-entry limit in force: a bigger file can never be served, so it is removed as invalid. */
  maxEntryBytes: number;
  /** The answers' TTL in force: answers stored with a longer one expire by this one. */
  ttlMs: number;
}

export interface SweepReport {
  /** False when another process swept recently (see minIntervalMs). */
  ran: boolean;
  /** Answers left, and their bytes, after the sweep (removal counts below are of answers too; the near index is internal). */
  entries: number;
  bytes: number;
  /** Every entry file (answers and near index), the figure the bound applies to. */
  totalBytes: number;
  expiredRemoved: number;
  invalidRemoved: number;
  evicted: number;
  tmpRemoved: number;
  trashRemoved: number;
  statsFolded: number;
  durationMs: number;
  workspaces: Record<string, { entries: number; bytes: number }>;
  /**
   * Left alone, relative to the cache folder: links (never followed), what
   * another user owns, and what is where a folder belongs (verify repairs
   * those). The cache logs them.
   */
  skipped: string[];
}

export interface SweepHooks {
  /** Adds to a workspace's persistent counters. */
  count(workspaceId: string, delta: Partial<CacheCounters>): void;
  /** Folds a workspace's idle statistics files. */
  compactStats(workspaceId: string): Promise<number>;
}

interface Live {
  workspaceId: string;
  answer: boolean;
  store: DiskStore;
  file: string;
  size: number;
  mtimeMs: number;
}

/**
 * One pass over the whole cache, in the background: deletes orphaned
 * temporary files older than `tmpMaxAgeMs`, expired entries, entries that are
 * not entries (header unreadable, old format, a size its header disagrees
 * with or over the limit), then evicts the least recently used (by mtime,
 * refreshed on every hit) until the total is under the bound. Reads only
 * headers, never verifies MACs (that is `verify`). Safe to run in several
 * processes at once: every removal is "move aside, check, delete". Never
 * follows a link and never walks or removes what another user owns: those,
 * and a damaged layout, are skipped and reported, never a reason to fail.
 */
export async function sweep(env: StoreEnv, layout: CacheLayout, opts: SweepOptions, hooks: SweepHooks): Promise<SweepReport> {
  const { fs, tree } = env;
  const started = env.clock();
  const report: SweepReport = {
    ran: false, entries: 0, bytes: 0, totalBytes: 0, expiredRemoved: 0, invalidRemoved: 0, evicted: 0,
    tmpRemoved: 0, trashRemoved: 0, statsFolded: 0, durationMs: 0, workspaces: {}, skipped: [],
  };
  const skipRel = (rel: string) => void (report.skipped.includes(rel) || report.skipped.push(rel));
  const skip = (p: string) => skipRel(tree.rel(p));
  if (!opts.force && opts.minIntervalMs > 0) {
    const st = await tree.lstatOrUndefined(layout.leaseFile);
    if (st?.isFile() && started - st.mtimeMs < opts.minIntervalMs) return report;
  }
  try {
    await tree.ensureDir(layout.dir);
  } catch (err) {
    if (!(err instanceof RefusedPath)) throw err;
    skip(err.path); // the cache folder itself is a link or a file: nothing in it is walked
    return report;
  }
  // The lease is replaced by a rename, never written in place: a link planted there is replaced, its target untouched.
  try {
    await writeAtomic(fs, layout.leaseFile, Buffer.from(String(process.pid)), { tree, retry: env.retry });
    const t = new Date(started);
    await fs.utimes(layout.leaseFile, t, t);
  } catch (err) {
    if (isStorageUnusable(err)) throw err;
    skip(layout.leaseFile); // a folder there; it is only a hint
  }
  report.ran = true;

  report.trashRemoved = await emptyTrash(env, layout, skip, skipRel);

  const workspaces = await workspaceFolders(env, layout, skip);
  const live: Live[] = [];
  let removedOne = false;
  // Orphans outside the shard folders: write probes, statistics, clear generations, discarded folders.
  const tmpDirs = [layout.dir, layout.workspacesDir, ...workspaces.flatMap((ws) => [layout.workspaceDir(ws), layout.statsDir(ws), layout.entriesDir(ws), layout.nearDir(ws)])];
  for (const dir of tmpDirs) report.tmpRemoved += await removeOldTmp(env, dir, opts.tmpMaxAgeMs, skipRel);
  for (const ws of workspaces) {
    report.workspaces[ws] = { entries: 0, bytes: 0 };
    for (const [dir, answer] of [[layout.entriesDir(ws), true], [layout.nearDir(ws), false]] as const) {
      const store = new DiskStore(env, dir);
      const maxBytes = answer ? entryReadLimit(opts.maxEntryBytes) : READ_LIMITS.near;
      const maxTtlMs = answer ? opts.ttlMs : Infinity;
      const listing = await store.list();
      for (const u of listing.unsafe) skip(u.path);
      for (const f of listing.files) {
        const now = env.clock();
        if (f.type === 'link' && f.kind !== 'tmp') {
          skip(f.file);
          continue;
        }
        let st: FileStat;
        try {
          st = await fs.lstat(f.file);
        } catch {
          continue; // renamed or removed meanwhile
        }
        if (tree.isForeign(st)) {
          skip(f.file);
          continue;
        }
        if (f.kind === 'tmp') {
          if (now - st.mtimeMs > opts.tmpMaxAgeMs && (await tree.remove(f.file).catch(() => false))) report.tmpRemoved++;
          continue;
        }
        // Folders, FIFOs and the like at an entry's name are removed by lookups and verify, which look closer.
        if (f.kind !== 'entry' || !st.isFile()) continue;
        // Judged on what one descriptor shows (its fstat and header), never on a stat of one
        // file and the header of another that replaced it meanwhile.
        let header: EntryHeader | undefined;
        let same: (moved: string) => Promise<boolean>;
        let invalid: boolean;
        try {
          const got = await fs.readFile(f.file, { maxBytes, prefix: HEADER_BYTES });
          const prefix = got.bytes;
          st = got.stat;
          header = peekHeader(prefix);
          same = async (moved) => (await fs.readFile(moved, { maxBytes, prefix: HEADER_BYTES })).bytes.equals(prefix);
          invalid = !header || header.formatVersion < FORMAT_VERSION || (header.formatVersion === FORMAT_VERSION && encodedSize(header) !== st.size);
        } catch (err) {
          if (!(err instanceof RefusedPath && err.refusal === 'too-large' && err.stat)) continue; // gone, or replaced by a link meanwhile
          same = sameFile(fs, err.stat); // never an entry, never read
          invalid = true;
        }
        if (invalid) {
          if (await store.removeIf(f.file, same)) {
            report.invalidRemoved++;
            hooks.count(ws, { removedInvalid: 1 });
            removedOne = true;
          }
        } else if (isExpired(header!, now, env.skewToleranceMs, maxTtlMs)) {
          if (await store.removeIf(f.file, same)) {
            if (answer) {
              report.expiredRemoved++;
              hooks.count(ws, { expired: 1 });
            }
            removedOne = true;
          }
        } else {
          live.push({ workspaceId: ws, answer, store, file: f.file, size: st.size, mtimeMs: st.mtimeMs });
          continue;
        }
        if (removedOne) crashPoint('mid-sweep');
      }
    }
  }

  let total = live.reduce((n, e) => n + e.size, 0);
  if (total > opts.maxTotalBytes) {
    const target = opts.maxTotalBytes * (opts.lowWater ?? 0.9);
    live.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const e of live) {
      if (total <= target) break;
      // Not if it was used (touched) or rewritten since the scan.
      const unchanged = async (moved: string) => {
        const st = await fs.lstat(moved);
        return st.mtimeMs === e.mtimeMs && st.size === e.size;
      };
      if (await e.store.removeIf(e.file, unchanged)) {
        total -= e.size;
        e.size = -1;
        if (e.answer) {
          report.evicted++;
          hooks.count(e.workspaceId, { evicted: 1 });
        }
      }
    }
  }
  for (const e of live) {
    if (e.size < 0) continue;
    report.totalBytes += e.size;
    if (!e.answer) continue;
    report.entries++;
    report.bytes += e.size;
    report.workspaces[e.workspaceId].entries++;
    report.workspaces[e.workspaceId].bytes += e.size;
  }
  for (const ws of workspaces) {
    try {
      report.statsFolded += await hooks.compactStats(ws);
    } catch {
      // statistics only
    }
  }
  report.durationMs = env.clock() - started;
  return report;
}

/** The workspace folders that are real folders of ours; the rest is reported. */
async function workspaceFolders(env: StoreEnv, layout: CacheLayout, skip: (p: string) => void): Promise<string[]> {
  const { fs, tree } = env;
  const top = await tree.checkDir(layout.workspacesDir);
  if (top instanceof RefusedPath) skip(top.path);
  if (top !== undefined) return [];
  const out: string[] = [];
  let names;
  try {
    names = await fs.readdir(layout.workspacesDir);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return [];
    throw err;
  }
  for (const e of names) {
    if (!isWorkspaceId(e.name)) continue;
    const dir = layout.workspaceDir(e.name);
    const st = e.type === 'dir' ? await tree.lstatOrUndefined(dir) : undefined;
    if (e.type !== 'dir' || (st && folderRefusal(st, tree.uid))) skip(dir);
    else if (st) out.push(e.name);
  }
  return out.sort();
}

/** Old temporary files (and folders discarded by verify) directly in `dir`, if it is a real folder of ours. */
async function removeOldTmp(env: StoreEnv, dir: string, maxAgeMs: number, skipRel: (rel: string) => void): Promise<number> {
  const { fs, tree } = env;
  if ((await tree.checkDir(dir).catch(() => 'absent' as const)) !== undefined) return 0;
  let names;
  try {
    names = await fs.readdir(dir);
  } catch {
    return 0;
  }
  let n = 0;
  for (const { name } of names) {
    if (!name.endsWith(TMP_SUFFIX)) continue;
    const file = path.join(dir, name);
    try {
      const st = await fs.lstat(file);
      const skipped: string[] = [];
      if (env.clock() - st.mtimeMs > maxAgeMs && (await tree.remove(file, skipped))) n++;
      skipped.forEach(skipRel);
    } catch {
      // gone meanwhile
    }
  }
  return n;
}

/** Everything in the trash, never following a link; a trash that is not a real folder of ours is reported and left. */
async function emptyTrash(env: StoreEnv, layout: CacheLayout, skip: (p: string) => void, skipRel: (rel: string) => void): Promise<number> {
  const { fs, tree } = env;
  const st = await tree.lstatOrUndefined(layout.trashDir).catch(() => undefined);
  if (!st) return 0;
  if (folderRefusal(st, tree.uid)) {
    skip(layout.trashDir);
    return 0;
  }
  let names;
  try {
    names = await fs.readdir(layout.trashDir);
  } catch {
    return 0;
  }
  let n = 0;
  for (const { name } of names) {
    const skipped: string[] = [];
    try {
      if (await tree.remove(path.join(layout.trashDir, name), skipped)) n++;
    } catch {
      // next sweep
    }
    skipped.forEach(skipRel);
  }
  return n;
}
