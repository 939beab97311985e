import { LRUCache } from 'lru-cache';
import type { CachedRun } from './cachedRun';

export interface MemoryEntry {
  run: CachedRun;
  createdAt: number;
  /** Checked on every hit (lru-cache's own TTL is only the memory bound: its boundary is inclusive). */
  expiresAt: number;
  /** Encoded size on disk: what the byte bound counts. */
  bytes: number;
  /** The workspace's clear-generation when loaded; a clear in another window changes it. */
  generation: string;
}

export interface MemoryLayerOptions {
  /** Byte bound; 0 turns the layer off. */
  maxBytes: number;
  maxEntries?: number;
  /** Clock for tests (lru-cache's `perf`); must not start at 0, which lru-cache reads as "no TTL". */
  clock?: () => number;
}

/**
 * Verified, parsed entries of this process, in front of the disk. Bounded by
 * bytes; each entry lives only as long as its disk entry has left (TTL is
 * absolute, never extended by reads). Entries are immutable, so no cross-window
 * invalidation is needed beyond "cleared" (see WorkspaceCache.generation).
 */
export class MemoryLayer {
  private readonly lru: LRUCache<string, MemoryEntry> | undefined;

  constructor(opts: MemoryLayerOptions) {
    if (opts.maxBytes <= 0) return;
    this.lru = new LRUCache<string, MemoryEntry>({
      max: opts.maxEntries ?? 10_000,
      maxSize: opts.maxBytes,
      sizeCalculation: (e) => Math.max(1, e.bytes),
      ttl: 24 * 60 * 60_000, // replaced per entry
      ...(opts.clock ? { perf: { now: opts.clock }, ttlResolution: 0 } : {}),
    });
  }

  get enabled(): boolean {
    return this.lru !== undefined;
  }

  get(workspaceId: string, keyHash: string): MemoryEntry | undefined {
    return this.lru?.get(`${workspaceId}/${keyHash}`);
  }

  set(workspaceId: string, keyHash: string, entry: MemoryEntry, remainingMs: number): void {
    if (remainingMs <= 0) return;
    this.lru?.set(`${workspaceId}/${keyHash}`, entry, { ttl: Math.max(1, Math.floor(remainingMs)) });
  }

  delete(workspaceId: string, keyHash: string): void {
    this.lru?.delete(`${workspaceId}/${keyHash}`);
  }

  deleteWorkspace(workspaceId: string): void {
    if (!this.lru) return;
    for (const k of [...this.lru.keys()]) if (k.startsWith(`${workspaceId}/`)) this.lru.delete(k);
  }

  clear(): void {
    this.lru?.clear();
  }

  get bytes(): number {
    return this.lru?.calculatedSize ?? 0;
  }
}
