// Runs cache operations on a (possibly hostile) cache folder in a process of its own,
// started by hostile.test.ts. A hung file-system call (a FIFO read, a blocked libuv
// thread pool) then only hangs this process, which the parent kills at its deadline,
// instead of the test runner. The job comes in ARC_HOSTILE (JSON); the outcome goes
// back over IPC.
import { promises as fsp } from 'node:fs';
import { encodeSecret } from '../../src/core/cache/cacheSecret';
import { loadHeadlessSecret } from '../../src/core/cache/secretFile';
import { runCacheCommand } from '../../src/headless/cacheCommand';
import type { Logger } from '../../src/core/log';
import { key, openCache, sampleRun, SECRET, WS } from './support';

export type HostileStep =
  /** Lookups of these keys at once (each explained when `explain`). */
  | { op: 'lookup'; keys: string[]; explain?: boolean }
  | { op: 'store'; key: string }
  | { op: 'sweep' }
  | { op: 'verify'; all?: boolean }
  | { op: 'stats' }
  | { op: 'clear'; all?: boolean }
  /** The headless key file of the root. */
  | { op: 'secret' }
  /** `agent-relay cache <action>` in-process (the key comes from AGENT_RELAY_CACHE_SECRET). */
  | { op: 'cli'; action: 'verify' | 'stats' | 'clear'; json: boolean; cwd: string; all?: boolean }
  /** Reads an ordinary file while the steps before it (started, not awaited) are still pending: the thread pool is free. */
  | { op: 'probe'; file: string; alongside: HostileStep };

export interface HostileJob {
  root: string;
  steps: HostileStep[];
  workspace?: string;
  memory?: boolean;
  policy?: { ttlMs?: number; maxEntryBytes?: number };
}

export interface StepOutcome {
  ok: boolean;
  value?: unknown;
  error?: string;
}

export interface HostileOutcome {
  steps: StepOutcome[];
  warnings: string[];
  /** Growth of the peak resident set over the steps, in bytes. */
  peakRssGrowth: number;
}

const send = (m: unknown) => new Promise<void>((resolve) => process.send!(m, () => resolve()));

async function main(): Promise<void> {
  const job = JSON.parse(process.env.ARC_HOSTILE!) as HostileJob;
  const warnings: string[] = [];
  const logger: Logger = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const cache = await openCache(job.root, { memoryMaxBytes: job.memory ? 8 << 20 : 0, logger, onWarning: (m) => warnings.push(m), policy: job.policy, sweepMinIntervalMs: 0 });
  const ws = cache.workspace(job.workspace ?? WS);

  const run = async (step: HostileStep): Promise<unknown> => {
    switch (step.op) {
      case 'lookup':
        return Promise.all(
          step.keys.map(async (k) => {
            const r = await ws.lookup(key(k));
            const explained = step.explain && r.kind === 'miss' ? await ws.explainMiss(key(k), r) : undefined;
            return r.kind === 'hit' ? { kind: 'hit', text: r.run.outcome.result } : { kind: 'miss', cause: r.cause.kind, defect: r.defect, explained };
          }),
        );
      case 'store':
        return ws.store(key(step.key), sampleRun(`answer to ${step.key}`));
      case 'sweep':
        return cache.sweep({ force: true });
      case 'verify':
        return step.all ? cache.verify() : ws.verify();
      case 'stats':
        return ws.stats();
      case 'clear':
        return step.all ? cache.clear() : ws.clear();
      case 'secret': {
        const s = await loadHeadlessSecret({ root: job.root, env: {}, create: false });
        return { source: s.source };
      }
      case 'cli': {
        let out = '';
        const write = process.stdout.write.bind(process.stdout);
        process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
        const secretBefore = process.env.AGENT_RELAY_CACHE_SECRET;
        process.env.AGENT_RELAY_CACHE_SECRET = encodeSecret(SECRET);
        try {
          const code = await runCacheCommand({ command: 'cache', action: step.action, storage: job.root, json: step.json, all: step.all ?? false, cwd: step.cwd });
          return { code, stdout: out };
        } finally {
          process.stdout.write = write;
          process.env.AGENT_RELAY_CACHE_SECRET = secretBefore;
        }
      }
      case 'probe': {
        const pending = run(step.alongside).catch(() => undefined);
        const bytes = await fsp.readFile(step.file);
        await pending;
        return { probed: bytes.length };
      }
    }
  };

  const steps: StepOutcome[] = [];
  for (const step of job.steps) {
    try {
      steps.push({ ok: true, value: await run(step) });
    } catch (err) {
      steps.push({ ok: false, error: err instanceof Error ? `${(err as NodeJS.ErrnoException).code ?? err.name}: ${err.message}` : String(err) });
    }
  }
  await cache.close();
  const outcome: HostileOutcome = { steps, warnings, peakRssGrowth: process.resourceUsage().maxRSS * 1024 - peakBefore };
  await send({ t: 'outcome', outcome });
}

main().then(
  () => process.disconnect?.(),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
