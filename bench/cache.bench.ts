// The response cache against cacache and against plain files, side by side in
// one run on the same workload: 1,000 entries of 10 KB (a recorded run whose
// answer is 10 KB of text). Reports medians of interleaved rounds and ratios
// (>1 means ours is faster). Benchmarks report; they do not gate.
import * as cacache from 'cacache';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentEvent } from '../src/core/agents/events';
import { cacheKey, type CacheKey } from '../src/core/cache/cacheKey';
import type { CachedRun } from '../src/core/cache/cachedRun';
import { newCacheSecret } from '../src/core/cache/cacheSecret';
import { ResponseCache } from '../src/core/cache/responseCache';
import { median, roundRatio } from './measure';

const N = 1000;
const ENTRY_BYTES = 10 * 1024;
const ROUNDS = 5;
const WS = 'b'.repeat(32);
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const perOp = (ms: number) => round((ms * 1e3) / N, 1); // µs per operation

function run(i: number, r: number): CachedRun {
  const text = `answer ${i} round ${r} `.padEnd(ENTRY_BYTES, 'lorem ipsum dolor sit amet ');
  const events: AgentEvent[] = [
    { type: 'started', agentId: 'claude', model: 'claude-sonnet-4-5' },
    { type: 'text', text },
    { type: 'usage', inputTokens: 1200, outputTokens: 2600, costUsd: 0.04, durationMs: 21_000 },
  ];
  return { agentId: 'claude', events, outcome: { status: 'succeeded', durationMs: 21_000, result: text }, saved: { ms: 21_000, tokens: 3800, costUsd: 0.04 } };
}

function keyOf(i: number): CacheKey {
  return cacheKey({
    workspaceId: WS, folder: '/ws', agentId: 'claude', agentVersion: '2.1.197', provider: 'cli', endpoint: null, model: 'claude-sonnet-4-5-20250929',
    permissionMode: 'plan', tools: { allowed: [] }, systemPrompt: null, prompt: `question ${i}`, sampling: {}, workspaceState: { head: 'c0ffee', changes: 'x' },
  });
}

/** Times `run` after an untimed `setup`, for every variant in turn, round after round (drift hits all alike). */
async function rounds(variants: Record<string, { setup?: () => Promise<void>; run: () => Promise<void> }>): Promise<{ median: Record<string, number>; rounds: Record<string, number[]> }> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, v] of Object.entries(variants)) {
      await v.setup?.();
      const t0 = process.hrtime.bigint();
      await v.run();
      times[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  return { median: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])), rounds: times };
}

export async function benchCache(): Promise<object> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'arc-bench-'));
  const secret = newCacheSecret();
  const keys = Array.from({ length: N }, (_, i) => keyOf(i));
  const cacacheKeys = keys.map((k) => `agent-relay:${k.hash}`);
  const values = Array.from({ length: N }, (_, i) => run(i, 0));
  const jsons = values.map((v) => JSON.stringify(v));
  const open = (root: string, memoryMaxBytes: number) => ResponseCache.open({ root, secret, memoryMaxBytes, sweepAfterBytes: 0, statsFlushDelayMs: 60_000 });
  try {
    // Populated stores for the read variants.
    const oursRoot = path.join(base, 'ours');
    const writer = await open(oursRoot, 0);
    for (let i = 0; i < N; i++) await writer.workspace(WS).store(keys[i], values[i]);
    await writer.close();
    const cacacheDir = path.join(base, 'cacache');
    for (let i = 0; i < N; i++) await cacache.put(cacacheDir, cacacheKeys[i], jsons[i]);
    const plainDir = path.join(base, 'plain');
    await fs.mkdir(plainDir);
    for (let i = 0; i < N; i++) await fs.writeFile(path.join(plainDir, keys[i].hash), jsons[i]);

    const diskReader = await open(oursRoot, 0);
    const memReader = await open(oursRoot, 64 << 20);
    for (const k of keys) await memReader.workspace(WS).lookup(k); // warm
    let misses = 0;
    const check = (hit: boolean) => void (hit || misses++);

    let r = 0;
    let putCache: ResponseCache | undefined;
    let putDir = '';
    const { median: t, rounds: times } = await rounds({
      memoryHit: { run: async () => { for (const k of keys) check((await memReader.workspace(WS).lookup(k)).kind === 'hit'); } },
      diskHit: { run: async () => { for (const k of keys) check((await diskReader.workspace(WS).lookup(k)).kind === 'hit'); } },
      cacacheGet: { run: async () => { for (const k of cacacheKeys) check(!!JSON.parse((await cacache.get(cacacheDir, k)).data.toString('utf8')).agentId); } },
      readFileJsonParse: { run: async () => { for (const k of keys) check(!!JSON.parse(await fs.readFile(path.join(plainDir, k.hash), 'utf8')).agentId); } },
      put: {
        setup: async () => {
          await putCache?.close();
          putCache = await open(path.join(base, `put-${++r}`), 16 << 20);
        },
        run: async () => { for (let i = 0; i < N; i++) check((await putCache!.workspace(WS).store(keys[i], values[i])).kind === 'stored'); },
      },
      // The same, plus waiting for the background work a put leaves (near-index records, statistics).
      putAndFlush: {
        setup: async () => {
          await putCache?.close();
          putCache = await open(path.join(base, `put-${++r}`), 16 << 20);
        },
        run: async () => {
          for (let i = 0; i < N; i++) check((await putCache!.workspace(WS).store(keys[i], values[i])).kind === 'stored');
          await putCache!.flush();
        },
      },
      cacachePut: {
        setup: async () => void (putDir = path.join(base, `cacache-put-${++r}`)),
        run: async () => { for (let i = 0; i < N; i++) await cacache.put(putDir, cacacheKeys[i], jsons[i]); },
      },
    });
    await putCache?.close();
    await diskReader.close();
    await memReader.close();

    const ratios = {
      diskHitVsCacacheGet: round(t.cacacheGet / t.diskHit),
      putVsCacachePut: round(t.cacachePut / t.put),
      putAndFlushVsCacachePut: round(t.cacachePut / t.putAndFlush),
      memoryHitVsDiskHit: round(t.diskHit / t.memoryHit),
      diskHitVsReadFileJsonParse: round(t.readFileJsonParse / t.diskHit),
    };
    // Each ratio's range over the rounds (round r of one variant ran next to round r of the other).
    const spread = {
      diskHitVsCacacheGet: roundRatio(times.cacacheGet, times.diskHit, 2).spread,
      putVsCacachePut: roundRatio(times.cacachePut, times.put, 2).spread,
      memoryHitVsDiskHit: roundRatio(times.diskHit, times.memoryHit, 1).spread,
    };
    const goals = { diskHitVsCacacheGet: 2, putVsCacachePut: 1.5 };
    const us = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, perOp(v)]));
    const summary = [
      `## Response cache (${N} entries of ${ENTRY_BYTES / 1024} KB, median of ${ROUNDS} interleaved rounds)`,
      ``,
      `| operation | µs per entry |`,
      `|---|---|`,
      `| memory hit | ${us.memoryHit} |`,
      `| disk hit, memory layer off (read + HMAC verify + parse) | ${us.diskHit} |`,
      `| cacache get + JSON.parse | ${us.cacacheGet} |`,
      `| readFile + JSON.parse (no integrity) | ${us.readFileJsonParse} |`,
      `| put (until the answer is durable: tmp + rename) | ${us.put} |`,
      `| put, then flush (the near-index records too: every byte a put writes) | ${us.putAndFlush} |`,
      `| cacache put | ${us.cacachePut} |`,
      ``,
      `Disk hit vs cacache get: **${ratios.diskHitVsCacacheGet}×** (rounds ${spread.diskHitVsCacacheGet.join('–')}; goal ≥ ${goals.diskHitVsCacacheGet}); put vs cacache put: **${ratios.putVsCacachePut}×** (rounds ${spread.putVsCacachePut.join('–')}; goal ≥ ${goals.putVsCacachePut}), ${ratios.putAndFlushVsCacachePut}× counting the background near-index writes; memory hit vs disk hit: **${ratios.memoryHitVsDiskHit}×**; disk hit vs plain readFile + JSON.parse: ${ratios.diskHitVsReadFileJsonParse}× (what integrity costs).`,
    ].join('\n');
    return {
      entries: N,
      entryBytes: ENTRY_BYTES,
      rounds: ROUNDS,
      medianMs: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, round(v)])),
      usPerOp: us,
      ratios,
      spread,
      goals,
      goalsMet: { diskHitVsCacacheGet: ratios.diskHitVsCacacheGet >= goals.diskHitVsCacacheGet, putVsCacachePut: ratios.putVsCacachePut >= goals.putVsCacachePut },
      unexpectedMisses: misses,
      summary,
    };
  } finally {
    await fs.rm(base, { recursive: true, force: true });
  }
}
