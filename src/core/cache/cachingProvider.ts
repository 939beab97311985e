import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AgentEvent, RunOutcome } from '../agents/events';
import type { AgentProvider, RunContext, RunRequest } from '../agents/provider';
import { cacheKey, type AgentKeyFields } from './cacheKey';
import { isReplayable, savingsOf, type CachedRun } from './cachedRun';
import { lookupVerdict, storeVerdict, type RunTraits, type Verdict } from './cachePolicy';
import { workspaceFingerprint, type WorkspaceState } from './workspaceFingerprint';
import type { WorkspaceCache } from './workspaceCache';

/** What the host knows about one run that the cache needs. */
export interface CacheRunPlan {
  /** Everything that can change the answer (see AgentKeyFields). */
  key: AgentKeyFields;
  /** The permission mode is read-only (`PermissionMode.readOnly`); true for model APIs, which have no tools. */
  readOnly: boolean;
  /** The agent reads workspace files by itself (CLIs: true; model APIs: false). */
  readsWorkspace: boolean;
  /** Skip the lookup (the user asked for a fresh answer); the answer may still be stored. */
  bypass?: boolean;
}

export interface CachingProviderOptions {
  /** The workspace's cache (`ResponseCache.workspace(id)`). */
  cache: WorkspaceCache;
  /** Builds the plan for a run: CLI version, translated model, permission mode's readOnly, … Throwing means "do not cache this run". */
  describe(request: RunRequest): Promise<CacheRunPlan> | CacheRunPlan;
  /** Git state of the run's folder (default: `workspaceFingerprint`); injectable for tests. */
  fingerprint?(dir: string): Promise<WorkspaceState | undefined>;
  clock?(): number;
}

/**
 * An AgentProvider that answers from the response cache when it can.
 *
 * Hit: emits `{type:'cache', status:'hit', ageMs, saved…}`, replays the stored
 * events and returns the stored outcome with `fromCache: true` (its
 * `durationMs` is the replay's, the original is in `savedMs`).
 * Miss: emits `{type:'cache', status:'miss', reason}` (explained when a near
 * entry exists), runs the inner provider, passing its events through, then
 * emits `stored` or `not-stored` with the reason, before the run's `done`.
 * Runs the policy excludes emit only the miss with the reason.
 */
export class CachingProvider implements AgentProvider {
  constructor(
    private readonly inner: AgentProvider,
    private readonly opts: CachingProviderOptions,
  ) {}

  get id(): string {
    return this.inner.id;
  }

  get displayName(): string {
    return this.inner.displayName;
  }

  async run(request: RunRequest, ctx: RunContext): Promise<RunOutcome> {
    const clock = this.opts.clock ?? Date.now;
    const started = clock();
    const { cache } = this.opts;
    const policy = cache.policy;
    const uncached = (reason: string) => {
      cache.skipped(reason);
      ctx.emit({ type: 'cache', status: 'miss', reason });
      return this.inner.run(request, ctx);
    };
    if (!cache.isOn) return uncached('the cache is off');

    let plan: CacheRunPlan;
    try {
      plan = await this.opts.describe(request);
    } catch (err) {
      ctx.logger.warn(`cache: no key for this run: ${err instanceof Error ? err.message : String(err)}`);
      return uncached('the run could not be described for the cache');
    }
    const traits: RunTraits = { agentId: plan.key.agentId, permissionMode: plan.key.permissionMode, readOnly: plan.readOnly, readsWorkspace: plan.readsWorkspace };
    const gate = lookupVerdict(policy, traits);
    if (!gate.ok) return uncached(gate.reason);

    const fingerprint = this.opts.fingerprint ?? ((dir: string) => workspaceFingerprint(dir));
    let state: WorkspaceState | null = null;
    if (policy.workspaceFingerprint) {
      state = (await fingerprint(request.cwd).catch(() => undefined)) ?? null;
      if (!state && traits.readsWorkspace) return uncached('the folder is not a git repository (or git is unavailable), so changes to it cannot be detected');
    }
    // Two folders of one workspace (or one repository) ask different questions.
    const folder = traits.readsWorkspace ? await fs.realpath(request.cwd).catch(() => path.resolve(request.cwd)) : null;
    const key = cacheKey({ ...plan.key, workspaceId: cache.id, workspaceState: state, folder });

    if (plan.bypass) {
      cache.skipped('bypassed');
      ctx.emit({ type: 'cache', status: 'miss', reason: 'bypassed' });
    } else {
      // The lookup honours the run's cancel: a slow or hostile cache folder never holds the run.
      const found = await cache.lookup(key, { signal: ctx.signal });
      if (found.kind === 'hit') return this.replay(found.run, found.ageMs, ctx, started, clock);
      if (found.cause.kind === 'aborted' || ctx.signal.aborted) return { status: ctx.signal.reason === 'timed-out' ? 'timed-out' : 'cancelled', durationMs: clock() - started };
      ctx.emit({ type: 'cache', status: 'miss', reason: await cache.explainMiss(key, found, { signal: ctx.signal }) });
    }

    // Recorded for storing, unless the answer already outgrew the per-entry limit:
    // then it cannot be stored and need not be held in memory a second time.
    // The estimate counts characters, a lower bound of the encoded size.
    let events: AgentEvent[] | undefined = [];
    const ownText = new WeakSet<AgentEvent>();
    let estimate = 0;
    const outcome = await this.inner.run(request, {
      ...ctx,
      emit: (e) => {
        if (events && isReplayable(e)) {
          estimate += e.type === 'text' || e.type === 'thinking' ? e.text.length : JSON.stringify(e).length;
          if (estimate > policy.maxEntryBytes) events = undefined;
          else if (e.type === 'text' || e.type === 'thinking') {
            // Consecutive deltas are kept as one event of our own (the emitted ones are shared with the run).
            const last = events[events.length - 1];
            if (last && last.type === e.type && ownText.has(last)) last.text += e.text;
            else {
              const own = { type: e.type, text: e.text };
              ownText.add(own);
              events.push(own);
            }
          } else events.push(e);
        }
        ctx.emit(e);
      },
    });

    const recorded = events as AgentEvent[] | undefined;
    let verdict: Verdict = recorded ? storeVerdict(traits, recorded, outcome) : { ok: false, reason: 'the answer is larger than the per-entry limit' };
    if (verdict.ok && state) {
      // The agent may have read files the user changed while it ran.
      const after = await fingerprint(request.cwd).catch(() => undefined);
      if (after?.head !== state.head || after?.changes !== state.changes) verdict = { ok: false, reason: 'the workspace changed during the run' };
    }
    // verdict.ok implies the events were recorded.
    const result = verdict.ok ? await cache.store(key, { agentId: this.inner.id, events: recorded!, outcome, saved: savingsOf(recorded!, outcome) }) : cache.notStored(verdict.reason);
    ctx.emit(result.kind === 'stored' ? { type: 'cache', status: 'stored' } : { type: 'cache', status: 'not-stored', reason: result.reason });
    return outcome;
  }

  private replay(run: CachedRun, ageMs: number, ctx: RunContext, started: number, clock: () => number): RunOutcome {
    ctx.emit({ type: 'cache', status: 'hit', ageMs, savedMs: run.saved.ms, savedTokens: run.saved.tokens, savedCostUsd: run.saved.costUsd });
    // Copies: a memory-layer entry is shared by every hit, and consumers keep the events they get.
    for (const e of structuredClone(run.events)) {
      if (ctx.signal.aborted) return { status: ctx.signal.reason === 'timed-out' ? 'timed-out' : 'cancelled', durationMs: clock() - started, fromCache: true };
      if (isReplayable(e)) ctx.emit(e);
    }
    return { ...run.outcome, durationMs: clock() - started, fromCache: true };
  }
}
