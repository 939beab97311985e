// Starting cache worker processes and collecting what they report.
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { WorkerJob } from './worker';

export interface WorkerReport {
  child: ChildProcess;
  begun: { key: string; value: string }[];
  acked: { key: string; value: string }[];
  done?: Record<string, number>;
  /** The latest progress count it reported (operations, or sweeps). */
  progress: number;
  /** Resolves once progress reaches `n`. */
  reached(n: number): Promise<void>;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: string;
}

export function startWorker(job: WorkerJob, env: Record<string, string> = {}): WorkerReport {
  const child = fork(path.join(__dirname, 'worker.js'), [], {
    env: { ...process.env, ...env, ARC_WORKER: JSON.stringify(job) },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let readyResolve!: () => void;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const report: WorkerReport = {
    child,
    begun: [],
    acked: [],
    progress: 0,
    reached: (n) => (report.progress >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    stderr: '',
    ready: new Promise((r) => (readyResolve = r)),
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stderr!.on('data', (c: Buffer) => (report.stderr += c.toString()));
  child.on('message', (m: { t: string; key: string; value: string } & Record<string, number>) => {
    if (m.t === 'ready') readyResolve();
    else if (m.t === 'begin') report.begun.push({ key: m.key, value: m.value });
    else if (m.t === 'ack') report.acked.push({ key: m.key, value: m.value });
    else if (m.t === 'done') report.done = m;
    else if (m.t === 'progress') {
      report.progress = m.n;
      for (const w of waiters.splice(0)) if (m.n >= w.n) w.resolve();
      else waiters.push(w);
    }
  });
  return report;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
