import * as assert from 'node:assert/strict';
import type { AgentEvent, RunOutcome } from '../../src/core/agents/events';
import type { AgentProvider, RunContext, RunRequest } from '../../src/core/agents/provider';
import type { AgentKeyFields } from '../../src/core/cache/cacheKey';
import { CachingProvider, type CacheRunPlan } from '../../src/core/cache/cachingProvider';
import type { ResponseCache } from '../../src/core/cache/responseCache';
import type { WorkspaceState } from '../../src/core/cache/workspaceFingerprint';
import { AgentRun } from '../../src/core/run/agentRun';
import { keyInput, openCache, tempDir, testClock, WS } from '../cache/support';

type Script = (ctx: RunContext) => Promise<RunOutcome>;

/** An agent driven by a script, counting its real runs. */
function agent(script: Script) {
  const a: AgentProvider & { runs: number; script: Script } = {
    id: 'claude',
    displayName: 'Claude Code',
    runs: 0,
    script,
    run(_req: RunRequest, ctx: RunContext) {
      a.runs++;
      return a.script(ctx);
    },
  };
  return a;
}

const answer: Script = async ({ emit }) => {
  emit({ type: 'started', agentId: 'claude', model: 'claude-sonnet-4-5' });
  emit({ type: 'text', text: 'The build uses esbuild.' });
  emit({ type: 'usage', inputTokens: 900, outputTokens: 100, costUsd: 0.02, durationMs: 3000 });
  return { status: 'succeeded', durationMs: 3000, result: 'The build uses esbuild.' };
};

const REQUEST: RunRequest = { prompt: 'Explain the build', cwd: '/ws', options: {} };

async function run(provider: AgentProvider, request = REQUEST): Promise<{ events: AgentEvent[]; outcome: RunOutcome; run: AgentRun }> {
  const r = new AgentRun(provider, request);
  const events: AgentEvent[] = [];
  r.onEvent((e) => events.push(e.event));
  const outcome = await r.start();
  return { events, outcome, run: r };
}

const cacheEvents = (events: AgentEvent[]) => events.filter((e) => e.type === 'cache');

describe('CachingProvider', () => {
  let tmp: ReturnType<typeof tempDir>;
  let cache: ResponseCache;
  let clock: ReturnType<typeof testClock>;
  let state: WorkspaceState | undefined;
  let plan: Omit<Partial<CacheRunPlan>, 'key'> & { key?: Partial<AgentKeyFields> };

  beforeEach(async () => {
    tmp = tempDir();
    clock = testClock();
    cache = await openCache(tmp.dir, { clock });
    state = { head: 'c0ffee', changes: 'clean' };
    plan = {};
  });
  afterEach(async () => {
    await cache.close();
    tmp.cleanup();
  });

  const wrap = (inner: AgentProvider) =>
    new CachingProvider(inner, {
      cache: cache.workspace(WS),
      describe: (req) => ({ readOnly: true, readsWorkspace: true, ...plan, key: { ...keyInput({ prompt: req.prompt }), ...plan.key } }),
      fingerprint: async () => state,
      clock,
    });

  it('answers a repeated run from the cache: hit first, the stored events, fromCache, savings', async () => {
    const inner = agent(answer);
    const p = wrap(inner);
    const first = await run(p);
    assert.deepEqual(cacheEvents(first.events), [{ type: 'cache', status: 'miss', reason: 'not cached yet' }, { type: 'cache', status: 'stored' }]);
    assert.equal(first.events.at(-2)?.type, 'cache', 'stored comes right before done');
    assert.equal(first.outcome.fromCache, undefined);

    clock.advance(90_000);
    const second = await run(p);
    assert.equal(inner.runs, 1, 'the agent did not run again');
    assert.deepEqual(second.events[0], { type: 'cache', status: 'hit', ageMs: 90_000, savedMs: 3000, savedTokens: 1000, savedCostUsd: 0.02 });
    const replayed = second.events.slice(1, -1);
    assert.deepEqual(replayed, first.events.filter((e) => e.type !== 'cache' && e.type !== 'done'));
    const done = second.events.at(-1);
    assert.ok(done?.type === 'done');
    assert.equal(done.outcome.fromCache, true);
    assert.equal(done.outcome.status, 'succeeded');
    assert.equal(done.outcome.result, 'The build uses esbuild.');
    assert.equal(second.events.filter((e) => e.type === 'done').length, 1, 'the stored done is not replayed');

    const stats = await cache.workspace(WS).stats();
    assert.deepEqual([stats.hits, stats.misses, stats.stored, stats.savedMs, stats.savedTokens], [1, 1, 1, 3000, 1000]);
  });

  it('keys on the run\'s folder: two folders of one repository never get each other\'s answer', async () => {
    const inner = agent(answer);
    const p = wrap(inner);
    const a = await run(p, { ...REQUEST, cwd: '/repo/packages/a' });
    assert.deepEqual(cacheEvents(a.events).at(-1), { type: 'cache', status: 'stored' });
    const b = await run(p, { ...REQUEST, cwd: '/repo/packages/b' });
    assert.equal(inner.runs, 2, 'the second folder was answered from the first one\'s entry');
    assert.deepEqual(cacheEvents(b.events)[0], { type: 'cache', status: 'miss', reason: 'another folder' });
    const again = await run(p, { ...REQUEST, cwd: '/repo/packages/a/' });
    assert.equal(again.events[0].type === 'cache' && again.events[0].status, 'hit', 'the same folder, spelled with a trailing slash, is the same folder');
  });

  for (const [name, script, reason] of [
    ['failures', async () => ({ status: 'failed', durationMs: 1, message: 'boom' }), 'the run failed'],
    ['truncated answers', async ({ emit }) => (emit({ type: 'text', text: 'half' }), { status: 'succeeded', durationMs: 1, message: 'The answer reached the max_tokens limit and may be incomplete.' }), 'the answer may be incomplete'],
    ['runs that edited files', async ({ emit }) => {
      emit({ type: 'tool-use', id: 't', name: 'Edit', input: { file_path: 'a.ts' } });
      emit({ type: 'tool-result', toolUseId: 't', output: 'ok', isError: false });
      return { status: 'succeeded', durationMs: 1 };
    }, 'the run changed files'],
    ['runs with an error event', async ({ emit }) => (emit({ type: 'error', message: 'x' }), { status: 'succeeded', durationMs: 1 }), 'the run reported an error'],
  ] as [string, Script, string][]) {
    it(`never stores ${name}`, async () => {
      const inner = agent(script);
      const p = wrap(inner);
      const first = await run(p);
      assert.deepEqual(cacheEvents(first.events).at(-1), { type: 'cache', status: 'not-stored', reason });
      const second = await run(p);
      assert.equal(inner.runs, 2);
      assert.deepEqual(cacheEvents(second.events)[0], { type: 'cache', status: 'miss', reason: 'not cached yet' });
      assert.equal((await cache.workspace(WS).stats()).notStored, 2);
    });
  }

  it('never stores a cancelled run', async () => {
    const inner = agent(({ emit, signal }) => {
      emit({ type: 'text', text: 'partial' });
      return new Promise((resolve) => {
        if (signal.aborted) return resolve({ status: 'cancelled', durationMs: 1 });
        signal.addEventListener('abort', () => resolve({ status: 'cancelled', durationMs: 1 }));
      });
    });
    const r = new AgentRun(wrap(inner), REQUEST);
    const events: AgentEvent[] = [];
    r.onEvent((e) => {
      events.push(e.event);
      if (e.event.type === 'text') r.cancel();
    });
    assert.equal((await r.start()).status, 'cancelled');
    assert.deepEqual(cacheEvents(events).at(-1), { type: 'cache', status: 'not-stored', reason: 'the run was cancelled' });
    assert.equal((await cache.workspace(WS).stats()).stored, 0);
  });

  it('skips the cache for excluded agents, non-read-only modes and folders without git, saying why', async () => {
    const inner = agent(answer);
    cache.setPolicy({ excludedAgents: ['claude'] });
    assert.deepEqual(cacheEvents((await run(wrap(inner))).events), [{ type: 'cache', status: 'miss', reason: 'excluded agent' }]);
    cache.setPolicy({ excludedAgents: [] });
    plan = { readOnly: false, key: { permissionMode: 'acceptEdits' } };
    assert.deepEqual(cacheEvents((await run(wrap(inner))).events), [{ type: 'cache', status: 'miss', reason: 'permission mode "acceptEdits" is not read-only' }]);
    plan = {};
    state = undefined;
    assert.match((cacheEvents((await run(wrap(inner))).events)[0] as { reason: string }).reason, /not a git repository/);
    // Opting out of the fingerprint caches there (keyed without workspace state).
    cache.setPolicy({ workspaceFingerprint: false });
    await run(wrap(inner));
    assert.equal(cacheEvents((await run(wrap(inner))).events)[0].status, 'hit');
    // An agent that reads no files (a model API) does not need git.
    cache.setPolicy({ workspaceFingerprint: true });
    plan = { readsWorkspace: false, key: { agentId: 'anthropic', provider: 'anthropic' } };
    await run(wrap(inner));
    assert.equal(cacheEvents((await run(wrap(inner))).events)[0].status, 'hit');
    assert.equal((await cache.workspace(WS).stats()).skipped, 3);
  });

  it('allSuccessful caches writable modes too, but still not runs that ran commands', async () => {
    cache.setPolicy({ mode: 'allSuccessful' });
    plan = { readOnly: false, key: { permissionMode: 'default' } };
    const reader = agent(async (ctx) => (ctx.emit({ type: 'tool-use', id: 'r', name: 'Read', input: {} }), answer(ctx)));
    await run(wrap(reader));
    assert.equal(cacheEvents((await run(wrap(reader))).events)[0].status, 'hit');
    const shell = agent(async (ctx) => (ctx.emit({ type: 'tool-use', id: 's', name: 'Bash', input: { command: 'ls' } }), answer(ctx)));
    const r = await run(wrap(shell), { ...REQUEST, prompt: 'other' });
    assert.deepEqual(cacheEvents(r.events).at(-1), { type: 'cache', status: 'not-stored', reason: 'the run used Bash, which may have changed files' });
  });

  it('stops recording an answer as soon as it outgrows the per-entry limit, and does not store it', async () => {
    cache.setPolicy({ maxEntryBytes: 10_000 });
    const chunks = 40;
    const inner = agent(async ({ emit }) => {
      for (let i = 0; i < chunks; i++) emit({ type: 'text', text: 'x'.repeat(1000) });
      return { status: 'succeeded', durationMs: 1 };
    });
    const first = await run(wrap(inner));
    assert.deepEqual(cacheEvents(first.events).at(-1), { type: 'cache', status: 'not-stored', reason: 'the answer is larger than the per-entry limit' });
    assert.equal(first.events.map((e) => (e.type === 'text' ? e.text : '')).join('').length, chunks * 1000, 'the run itself must show everything');
    assert.equal((await cache.workspace(WS).stats()).entries, 0);
  });

  it('bypass skips the lookup but stores the fresh answer', async () => {
    const inner = agent(answer);
    await run(wrap(inner));
    plan = { bypass: true };
    const fresh = await run(wrap(inner));
    assert.equal(inner.runs, 2);
    assert.deepEqual(cacheEvents(fresh.events), [{ type: 'cache', status: 'miss', reason: 'bypassed' }, { type: 'cache', status: 'stored' }]);
    plan = {};
    const again = await run(wrap(inner));
    assert.equal(cacheEvents(again.events)[0].status, 'hit');
    assert.equal((again.events[0] as { ageMs: number }).ageMs, 0, 'the bypassing run replaced the entry');
  });

  it('explains misses: CLI version, model, workspace, expiry', async () => {
    const inner = agent(answer);
    const reason = async () => (cacheEvents((await run(wrap(inner))).events)[0] as { reason?: string; status: string }).reason;
    await run(wrap(inner));
    plan = { key: { agentVersion: '2.2.0' } };
    assert.equal(await reason(), 'claude CLI version changed (2.1.197 → 2.2.0)');
    plan = { key: { agentVersion: '2.2.0', model: 'claude-opus-4-1' } };
    assert.equal(await reason(), 'model changed (claude-sonnet-4-5-20250929 → claude-opus-4-1)');
    state = { head: 'c0ffee', changes: 'edited' };
    assert.equal(await reason(), 'the workspace changed (uncommitted changes)');
    state = { head: 'beef', changes: 'edited' };
    assert.equal(await reason(), 'the workspace changed (new commit)');
    clock.advance(25 * 3600e3);
    assert.equal(await reason(), 'expired');
  });

  it('does not store when the workspace changed while the agent ran', async () => {
    const inner = agent(async (ctx) => {
      state = { head: 'c0ffee', changes: 'user typed meanwhile' };
      return answer(ctx);
    });
    const r = await run(wrap(inner));
    assert.deepEqual(cacheEvents(r.events).at(-1), { type: 'cache', status: 'not-stored', reason: 'the workspace changed during the run' });
  });

  it('runs uncached when the run cannot be described (no CLI version, say)', async () => {
    const inner = agent(answer);
    const p = new CachingProvider(inner, { cache: cache.workspace(WS), describe: () => Promise.reject(new Error('no version')), fingerprint: async () => state });
    const r = await run(p);
    assert.equal(r.outcome.status, 'succeeded');
    assert.deepEqual(cacheEvents(r.events), [{ type: 'cache', status: 'miss', reason: 'the run could not be described for the cache' }]);
  });

  it('a run cancelled before its lookup neither replays the answer nor starts the agent', async () => {
    const inner = agent(answer);
    await run(wrap(inner));
    const abort = new AbortController();
    abort.abort('cancelled');
    const events: AgentEvent[] = [];
    const outcome = await wrap(inner).run(REQUEST, { emit: (e) => events.push(e), signal: abort.signal, logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
    assert.equal(outcome.status, 'cancelled');
    assert.deepEqual(events.map((e) => e.type), []);
    assert.equal(inner.runs, 1, 'the agent ran again');
  });
});
