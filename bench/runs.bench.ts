// The run queue and registry: what going through them costs per run, next to
// starting the same run directly, and what the window holds in memory after
// many finished runs (bounded, whatever the count).
import type { AgentProvider } from '../src/core/agents/provider';
import { AgentRun } from '../src/core/run/agentRun';
import { RunQueue } from '../src/core/run/runQueue';
import { RunRegistry } from '../src/core/run/runRegistry';
import { interleavedWithRounds, roundRatio } from './measure';

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const REQUEST = { prompt: 'p', cwd: '/', options: {} };

/**
 * An answer of `deltas` text deltas of `size` characters, as a provider streams
 * them. Each delta is a new string (as parsed stdout is), so memory figures
 * count what a real run holds.
 */
function answering(deltas: number, size: number): AgentProvider {
  const filler = 'x'.repeat(size);
  let n = 0;
  return {
    id: 'bench',
    displayName: 'Bench',
    run: async (_r, ctx) => {
      ctx.emit({ type: 'started', agentId: 'bench' });
      for (let i = 0; i < deltas; i++) ctx.emit({ type: 'text', text: `${n++}${filler}`.slice(0, size) });
      await Promise.resolve();
      return { status: 'succeeded', durationMs: 1 };
    },
  };
}

export async function queueOverhead(runs = 2000) {
  const provider = answering(200, 40);
  const registry = new RunRegistry({ queue: new RunQueue({ maxConcurrent: 3 }) });
  const { median: t, rounds } = await interleavedWithRounds(9, {
    direct: async () => {
      for (let i = 0; i < runs; i++) await new AgentRun(provider, REQUEST).start();
    },
    queued: async () => {
      for (let i = 0; i < runs; i++) await registry.submit(new AgentRun(provider, REQUEST)).done;
    },
  });
  registry.dispose();
  return {
    runs,
    workload: 'runs of 200 text deltas of 40 characters each, one after another',
    usPerRun: { direct: round((t.direct * 1e3) / runs, 1), queued: round((t.queued * 1e3) / runs, 1) },
    queueOverheadUsPerRun: round(((t.queued - t.direct) * 1e3) / runs, 1),
    ratio: { queuedVsDirect: round(t.queued / t.direct, 3) },
    /** Per round, queued over direct: the gate's figure. */
    paired: { queuedVsDirect: roundRatio(rounds.queued, rounds.direct) },
    goal: 'queued within 1.1x of direct',
  };
}

/** Heap after GC; the benchmark runs with --expose-gc. */
function heapMB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return round(process.memoryUsage().heapUsed / 1024 / 1024, 1);
}

async function memoryAfterManyRuns(total = 1000) {
  const provider = answering(100, 1024); // 100 KB each
  const registry = new RunRegistry({ queue: new RunQueue({ maxConcurrent: 3 }) });
  const before = heapMB();
  const samples: Array<{ runs: number; heapMB: number; held: number }> = [];
  for (let i = 1; i <= total; i++) {
    await registry.submit(new AgentRun(provider, REQUEST)).done;
    if (i === 100 || i === 500 || i === total) samples.push({ runs: i, heapMB: heapMB(), held: registry.all().length });
  }
  registry.dispose();
  const growth = round(samples[samples.length - 1].heapMB - samples[0].heapMB, 1);
  return {
    workload: `${total} finished runs of 100 KB of text each, one after another`,
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
    baselineHeapMB: before,
    samples,
    heapGrowthFrom100To1000RunsMB: growth,
    bound: 'the registry keeps the newest 50 finished runs (and at most 64 MB of their text)',
  };
}

export async function benchRuns() {
  return { queue: await queueOverhead(), memory: await memoryAfterManyRuns() };
}
