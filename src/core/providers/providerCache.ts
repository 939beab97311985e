import { LRUCache } from 'lru-cache';
import type { AgentProvider } from '../agents/provider';
import { stableHash } from '../util/canonicalJson';

export type CachedProvider = AgentProvider & { dispose?(): void };

export interface ProviderCacheOptions {
  /** Most providers kept at once (each may hold open connections). */
  max?: number;
  /** Idle time after which a provider is dropped, in ms. */
  ttlMs?: number;
  /** Clock for tests (lru-cache's `perf` option). */
  now?: () => number;
}

/**
 * Provider instances per workspace, keyed by workspace, provider id and a
 * stable hash of the provider's configuration (canonical JSON + SHA-256, the
 * same in every process). A changed setting therefore never reuses an old
 * instance, and evicting (LRU, idle TTL, or a settings change) disposes what
 * the provider holds, such as keep-alive connections.
 */
export class ProviderCache {
  private readonly lru: LRUCache<string, CachedProvider>;
  /** Creations, for the log and benchmarks. */
  created = 0;

  constructor(opts: ProviderCacheOptions = {}) {
    this.lru = new LRUCache<string, CachedProvider>({
      max: opts.max ?? 32,
      ttl: opts.ttlMs ?? 30 * 60_000,
      updateAgeOnGet: true, // idle time, not age: a provider in use stays
      dispose: (provider) => provider.dispose?.(),
      ...(opts.now ? { perf: { now: opts.now }, ttlResolution: 0 } : {}),
    });
  }

  static key(workspace: string, providerId: string, config: unknown): string {
    return `${workspace}\0${providerId}\0${stableHash(config)}`;
  }

  get(workspace: string, providerId: string, config: unknown, create: () => CachedProvider): CachedProvider {
    const key = ProviderCache.key(workspace, providerId, config);
    let p = this.lru.get(key);
    if (!p) {
      p = create();
      this.created++;
      this.lru.set(key, p);
    }
    return p;
  }

  /** Drops (and disposes) every instance of a provider, or of every provider in a workspace. */
  evict(filter: { providerId?: string; workspace?: string }): number {
    let n = 0;
    for (const key of [...this.lru.keys()]) {
      const [ws, id] = key.split('\0');
      if ((filter.providerId === undefined || id === filter.providerId) && (filter.workspace === undefined || ws === filter.workspace)) {
        this.lru.delete(key);
        n++;
      }
    }
    return n;
  }

  clear(): void {
    this.lru.clear();
  }

  get size(): number {
    return this.lru.size;
  }
}
