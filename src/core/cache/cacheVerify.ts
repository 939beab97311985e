import * as path from 'node:path';
import { TMP_SUFFIX } from './atomicWrite';
import { READ_LIMITS, type CacheLayout } from './cacheLayout';
import type { DiskStore, ReadLimits, StoreEnv, StoreFile } from './diskStore';
import { isDamage, type EntryDefect } from './entryFormat';
import { errorCode } from './fsLike';
import type { LayoutRepair, LayoutReport } from './layoutRepair';

export interface VerifyReport extends LayoutReport {
  /** Entry files looked at (answers and near index). */
  checked: number;
  valid: number;
  /** Deleted as invalid (failed verification, truncated, unparseable, old format, under another key's name, not a file, too large). */
  removed: number;
  removedByDefect: Partial<Record<EntryDefect | 'unparseable', number>>;
  expiredRemoved: number;
  /** Signed with a secret we do not hold (or by a newer format): left alone. */
  unverifiable: number;
  tmpRemoved: number;
}

export function emptyVerifyReport(): VerifyReport {
  return { checked: 0, valid: 0, removed: 0, removedByDefect: {}, expiredRemoved: 0, unverifiable: 0, tmpRemoved: 0, repaired: [], skipped: [], problems: {} };
}

export interface VerifiedStore {
  store: DiskStore;
  /** Whether verified content is what this store holds (a run, a near record). */
  parse(content: Buffer): unknown;
  limits: ReadLimits;
}

export interface WorkspaceToVerify {
  env: StoreEnv;
  layout: CacheLayout;
  workspaceId: string;
  stores: VerifiedStore[];
  tmpMaxAgeMs: number;
}

/**
 * Re-checks one workspace into `report`: its folders (repaired when
 * something else is where they belong), every entry (MAC, key, TTL in force,
 * content), its statistics files and generation file. Outer folders are put
 * right before anything inside them is looked at, so nothing is ever reached
 * through a link. Returns what it removed, for the workspace's counters.
 */
export async function verifyWorkspace(ws: WorkspaceToVerify, report: VerifyReport, repair: LayoutRepair): Promise<{ removed: number; expired: number }> {
  const before = { removed: report.removed, expired: report.expiredRemoved };
  const { layout, workspaceId: id } = ws;
  if (await repair.folder(layout.workspaceDir(id))) {
    for (const s of ws.stores) if (await repair.folder(s.store.dir)) await verifyStore(ws, s, report, repair);
    if (await repair.folder(layout.statsDir(id))) await verifyPlainFiles(ws.env, layout.statsDir(id), READ_LIMITS.stats, repair);
    await verifyPlainFile(layout.generationFile(id), READ_LIMITS.generation, repair);
  }
  return { removed: report.removed - before.removed, expired: report.expiredRemoved - before.expired };
}

async function verifyStore(ws: WorkspaceToVerify, { store, parse, limits }: VerifiedStore, report: VerifyReport, repair: LayoutRepair): Promise<void> {
  const listing = await store.list();
  for (const u of listing.unsafe) {
    if (u.refusal === 'foreign-owner') repair.skipped(u.path, 'owned by another user');
    else await repair.folder(u.path); // a link or a file where a shard folder belongs
  }
  for (const s of listing.shards) await repair.tighten(s.path, s.stat, 0o700);
  for (const f of listing.files) {
    if (f.kind === 'tmp') report.tmpRemoved += await removeOldTmp(ws, f);
    if (f.kind !== 'entry') continue;
    const st = await repair.file(f.file);
    if (!st) continue; // absent, a link or another user's (reported), or not a file (removed)
    report.checked++;
    const r = await store.read(f.name, limits);
    if (r.kind === 'hit') {
      if (parse(r.content)) {
        report.valid++;
        await repair.tighten(f.file, r.stat, 0o600);
      } else if (await store.removeIfUnchanged(r.file, r.raw).catch(() => false)) {
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
    // 'unsafe': replaced by a link since we looked; the next verify reports it.
  }
}

/** Temporary files older than the orphan threshold (a killed writer's, or a discarded folder). */
async function removeOldTmp(ws: WorkspaceToVerify, f: StoreFile): Promise<number> {
  const { fs, tree, clock } = ws.env;
  try {
    const st = await fs.lstat(f.file);
    return !tree.isForeign(st) && clock() - st.mtimeMs > ws.tmpMaxAgeMs && (await tree.remove(f.file)) ? 1 : 0;
  } catch {
    return 0; // gone meanwhile; else the next sweep
  }
}

/** A folder that holds only regular files of ours (statistics): anything else in it is repaired or reported. */
async function verifyPlainFiles(env: StoreEnv, dir: string, maxBytes: number, repair: LayoutRepair): Promise<void> {
  let names;
  try {
    names = await env.fs.readdir(dir);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return; // cleared meanwhile
    throw err;
  }
  for (const { name } of names) {
    if (name.endsWith(TMP_SUFFIX)) continue; // a writer's, or an orphan the sweep removes
    await verifyPlainFile(path.join(dir, name), maxBytes, repair);
  }
}

/** A regular file of ours within its read bound (which the cache would otherwise skip for ever), or nothing. */
async function verifyPlainFile(file: string, maxBytes: number, repair: LayoutRepair): Promise<void> {
  const st = await repair.file(file);
  if (!st) return;
  if (st.size > maxBytes) await repair.discard(file, `larger than such a file can be (${st.size} bytes): never read, removed`);
  else await repair.tighten(file, st, 0o600);
}
