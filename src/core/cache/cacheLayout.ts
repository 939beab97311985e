import * as path from 'node:path';

/**
 * Where everything lives under the root folder the host gives us
 * (VS Code: `globalStorageUri`; headless: `--storage DIR`):
 *
 *   <root>/response-cache-v1/                      versioned: a new layout starts cold
 *     workspaces/<workspace id>/entries/<hh>/<key hash>    one immutable file per answer
 *     workspaces/<workspace id>/near/<hh>/<near hash>      last key stored per agent + prompt (miss explanations)
 *     workspaces/<workspace id>/stats/…                    per-process counters (cacheStats.ts)
 *     workspaces/<workspace id>/generation                 changes on clear (other windows drop their memory copies)
 *     trash/                                               cleared folders being deleted
 *     sweep.lease                                          mtime = last sweep start (a hint, not a lock)
 *   <root>/response-cache.key                      headless key file (secretFile.ts), 0600
 *
 * Folders are 0700 and files 0600. Nothing in the cache folder is trusted to
 * be what its place says (cacheTree.ts, layoutRepair.ts).
 */
export const CACHE_DIR_NAME = 'response-cache-v1';
export const KEY_FILE_NAME = 'response-cache.key';

/**
 * The most bytes the cache reads from each kind of file (entries: the
 * per-entry limit, see entryReadLimit). A file over its bound is refused
 * before it is read: whatever was planted there costs an fstat, not memory.
 * Each is far above what the cache writes.
 */
export const READ_LIMITS = {
  /** A near-index record: a key summary (hashes and short fields) in an entry. */
  near: 64 << 10,
  /** A statistics file: counters, and in a merged file the names it folded. */
  stats: 1 << 20,
  /** The clear generation: 16 hex digits. */
  generation: 1 << 10,
  /** The headless key file: base64 of 32 bytes and a newline. */
  keyFile: 4 << 10,
} as const;

export class CacheLayout {
  readonly dir: string;

  constructor(readonly root: string) {
    this.dir = path.join(root, CACHE_DIR_NAME);
  }

  get workspacesDir(): string {
    return path.join(this.dir, 'workspaces');
  }

  get trashDir(): string {
    return path.join(this.dir, 'trash');
  }

  get leaseFile(): string {
    return path.join(this.dir, 'sweep.lease');
  }

  workspaceDir(workspaceId: string): string {
    return path.join(this.workspacesDir, workspaceId);
  }

  entriesDir(workspaceId: string): string {
    return path.join(this.workspaceDir(workspaceId), 'entries');
  }

  nearDir(workspaceId: string): string {
    return path.join(this.workspaceDir(workspaceId), 'near');
  }

  statsDir(workspaceId: string): string {
    return path.join(this.workspaceDir(workspaceId), 'stats');
  }

  generationFile(workspaceId: string): string {
    return path.join(this.workspaceDir(workspaceId), 'generation');
  }
}
