import * as path from 'node:path';
import type { CacheLayout } from './cacheLayout';
import type { CacheCounters } from './cacheStats';
import { crashPoint } from './crashPoints';
import { DiskStore, isExpired, type StoreEnv } from './diskStore';
import { FORMAT_VERSION, HEADER_BYTES, peekHeader } from './entryFormat';
import { TMP_SUFFIX } from './atomicWrite';
import { errorCode } from './fsLike';
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
 * not entries (header unreadable, old format), then evicts the least recently
 * used (by mtime, refreshed on every hit) until the total is under the bound.
 * Reads only headers, never verifies MACs (that is `verify`). Safe to run in
 * several processes at once: every removal is "move aside, check, delete".
 */
export async function sweep(env: StoreEnv, layout: CacheLayout, opts: SweepOptions, hooks: SweepHooks): Promise<SweepReport> {
  const started = env.clock();
  const report: SweepReport = {
    ran: false, entries: 0, bytes: 0, totalBytes: 0, expiredRemoved: 0, invalidRemoved: 0, evicted: 0,
    tmpRemoved: 0, trashRemoved: 0, statsFolded: 0, durationMs: 0, workspaces: {},
  };
  if (!opts.force && opts.minIntervalMs > 0) {
    try {
      const st = await env.fs.stat(layout.leaseFile);
      if (started - st.mtimeMs < opts.minIntervalMs) return report;
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
    }
  }
  await env.fs.mkdir(layout.dir);
  await env.fs.writeFile(layout.leaseFile, String(process.pid), { exclusive: false });
  const t = new Date(started);
  await env.fs.utimes(layout.leaseFile, t, t);
  report.ran = true;

  report.trashRemoved = await emptyTrash(env, layout);

  let workspaces: string[] = [];
  try {
    workspaces = (await env.fs.readdir(layout.workspacesDir)).filter(isWorkspaceId).sort();
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
  }
  const live: Live[] = [];
  let removedOne = false;
  // Orphans outside the entry folders: write probes, statistics and clear generations.
  for (const dir of [layout.dir, ...workspaces.flatMap((ws) => [layout.workspaceDir(ws), layout.statsDir(ws)])]) {
    report.tmpRemoved += await removeOldTmp(env, dir, opts.tmpMaxAgeMs);
  }
  for (const ws of workspaces) {
    report.workspaces[ws] = { entries: 0, bytes: 0 };
    for (const [dir, answer] of [[layout.entriesDir(ws), true], [layout.nearDir(ws), false]] as const) {
      const store = new DiskStore(env, dir);
      for (const f of await store.list()) {
        const now = env.clock();
        let st;
        try {
          st = await env.fs.stat(f.file);
        } catch {
          continue; // renamed or removed meanwhile
        }
        if (f.kind === 'tmp') {
          if (now - st.mtimeMs > opts.tmpMaxAgeMs && (await unlinked(env, f.file))) report.tmpRemoved++;
          continue;
        }
        if (f.kind !== 'entry' || !st.isFile()) continue;
        let prefix: Buffer;
        try {
          prefix = await env.fs.readPrefix(f.file, HEADER_BYTES);
        } catch {
          continue;
        }
        const header = peekHeader(prefix);
        const sameHeader = async (moved: string) => (await env.fs.readPrefix(moved, HEADER_BYTES)).equals(prefix);
        if (!header || header.formatVersion < FORMAT_VERSION) {
          if (await store.removeIf(f.file, sameHeader)) {
            report.invalidRemoved++;
            hooks.count(ws, { removedInvalid: 1 });
            removedOne = true;
          }
        } else if (isExpired(header, now, env.skewToleranceMs)) {
          if (await store.removeIf(f.file, sameHeader)) {
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
        const st = await env.fs.stat(moved);
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

async function unlinked(env: StoreEnv, file: string): Promise<boolean> {
  try {
    await env.fs.unlink(file);
    return true;
  } catch {
    return false;
  }
}

async function removeOldTmp(env: StoreEnv, dir: string, maxAgeMs: number): Promise<number> {
  let names: string[];
  try {
    names = await env.fs.readdir(dir);
  } catch {
    return 0;
  }
  let n = 0;
  for (const name of names) {
    if (!name.endsWith(TMP_SUFFIX)) continue;
    const file = path.join(dir, name);
    try {
      if (env.clock() - (await env.fs.stat(file)).mtimeMs > maxAgeMs && (await unlinked(env, file))) n++;
    } catch {
      // gone meanwhile
    }
  }
  return n;
}

async function emptyTrash(env: StoreEnv, layout: CacheLayout): Promise<number> {
  let names: string[];
  try {
    names = await env.fs.readdir(layout.trashDir);
  } catch {
    return 0;
  }
  let n = 0;
  for (const name of names) {
    try {
      await env.fs.rm(path.join(layout.trashDir, name));
      n++;
    } catch {
      // next sweep
    }
  }
  return n;
}
