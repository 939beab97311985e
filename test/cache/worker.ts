// A separate process using the cache, started by the multi-process tests with
// child_process.fork. Its job comes in ARC_WORKER (JSON); it talks to the
// parent over IPC and writes its history to a file.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { valueRun, readValue, type Op } from './checker';
import { key, openCache, WS } from './support';

export interface WorkerJob {
  role: 'writer' | 'mixed' | 'sweeper' | 'expire-then-sweep';
  root: string;
  name: string;
  keys: string[];
  /** writer: how many puts (0 = until killed). */
  count?: number;
  /** mixed: at least this many operations, then on until the parent says "stop" (sweeper: until "stop"). */
  minOps?: number;
  memory?: boolean;
  maxTotalBytes?: number;
  historyFile?: string;
  /** Sanity check of the checker: reads always miss. */
  alwaysMiss?: boolean;
}

const now = () => performance.timeOrigin + performance.now();
const send = (m: unknown) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
const payload = () => randomBytes(50 + Math.floor(Math.random() * 4000)).toString('base64');

async function main(): Promise<void> {
  const job = JSON.parse(process.env.ARC_WORKER!) as WorkerJob;
  const cache = await openCache(job.root, {
    memoryMaxBytes: job.memory ? 8 << 20 : 0,
    maxTotalBytes: job.maxTotalBytes,
    statsFlushDelayMs: 20,
    sweepMinIntervalMs: 0,
  });
  const ws = cache.workspace(WS);
  const history: Op[] = [];
  let seq = 0;

  const put = async (k: string) => {
    const id = `${job.name}:${++seq}`;
    const op: Op = { proc: job.name, type: 'put', key: k, start: now(), value: id, ok: false };
    history.push(op);
    await send({ t: 'begin', key: k, value: id });
    const r = await ws.store(key(k), valueRun({ key: k, writer: job.name, seq, payload: payload() }));
    op.end = now();
    op.ok = r.kind === 'stored';
    if (op.ok) await send({ t: 'ack', key: k, value: id });
  };
  const get = async (k: string) => {
    const op: Op = { proc: job.name, type: 'get', key: k, start: now(), value: null, ok: true };
    const r = job.alwaysMiss ? { kind: 'miss' as const } : await ws.lookup(key(k));
    op.end = now();
    if (r.kind === 'hit') Object.assign(op, readValue(k, r.run));
    history.push(op);
    return r.kind === 'hit';
  };
  const pick = () => job.keys[Math.floor(Math.random() * job.keys.length)];

  await send({ t: 'ready' });
  // The parent ends mixed and sweeping work by message, once everyone did enough: no clock decides.
  let stopped = false;
  process.on('message', (m) => m === 'stop' && (stopped = true));
  if (job.role !== 'writer' && job.role !== 'expire-then-sweep') await new Promise((r) => process.once('message', r)); // "go"

  let hits = 0;
  let gets = 0;
  switch (job.role) {
    case 'writer':
      for (let i = 0; !job.count || i < job.count; i++) await put(job.count ? job.keys[i % job.keys.length] : pick());
      break;
    case 'expire-then-sweep': {
      // Entries from two days ago (expired), then fresh ones, then a sweep (the crash point is in it).
      const old = await openCache(job.root, { clock: () => Date.now() - 48 * 3600e3, memoryMaxBytes: 0 });
      for (const k of job.keys.slice(0, job.keys.length / 2)) await old.workspace(WS).store(key(k), valueRun({ key: k, writer: 'old', seq: 0, payload: 'x' }));
      await old.close();
      for (const k of job.keys.slice(job.keys.length / 2)) await put(k);
      await cache.sweep({ force: true });
      break;
    }
    case 'mixed': {
      for (let i = 0; !stopped || i < (job.minOps ?? 0); i++) {
        if (i % 10 === 0) process.send!({ t: 'progress', n: i });
        const k = pick();
        if (Math.random() < 0.4) await put(k);
        else {
          gets++;
          if (await get(k)) hits++;
        }
      }
      break;
    }
    case 'sweeper': {
      let sweeps = 0;
      let evicted = 0;
      while (!stopped) {
        const r = await cache.sweep({ force: true });
        sweeps++;
        evicted += r.evicted;
        process.send!({ t: 'progress', n: sweeps });
      }
      await cache.close();
      await send({ t: 'done', sweeps, evicted });
      return;
    }
  }
  await cache.close();
  if (job.historyFile) writeFileSync(job.historyFile, JSON.stringify(history));
  await send({ t: 'done', hits, gets });
}

main().then(
  () => process.disconnect?.(),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
