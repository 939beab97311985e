// Planting hostile things in a cache folder, and running cache operations on it in a
// worker process with a deadline (hostileWorker.ts).
import { execFileSync, fork } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { key, openCache, sampleRun, WS } from './support';
import type { HostileJob, HostileOutcome, HostileStep } from './hostileWorker';

/** A hang fails its case after this long (a healthy step takes milliseconds). */
export const DEADLINE_MS = 30_000;

export function runHostile(job: HostileJob, deadlineMs = DEADLINE_MS): Promise<HostileOutcome> {
  const child = fork(path.join(__dirname, 'hostileWorker.js'), [], { env: { ...process.env, ARC_HOSTILE: JSON.stringify(job) }, stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    let outcome: HostileOutcome | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hung: ${job.steps.map((s) => s.op).join(', ')} did not finish within ${deadlineMs / 1000} s (killed)`));
    }, deadlineMs);
    child.on('message', (m: { t: string; outcome: HostileOutcome }) => m.t === 'outcome' && (outcome = m.outcome));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (outcome) resolve(outcome);
      else reject(new Error(`the worker died (${signal ?? code}): ${stderr}`));
    });
  });
}

/** The values of the steps, failing on a step that threw. */
export async function runSteps(job: HostileJob): Promise<{ values: any[]; outcome: HostileOutcome }> {
  const outcome = await runHostile(job);
  outcome.steps.forEach((s, i) => {
    if (!s.ok) throw new Error(`step ${i} (${job.steps[i].op}) failed: ${s.error}`);
  });
  return { values: outcome.steps.map((s) => s.value), outcome };
}

export class CacheFolder {
  constructor(
    readonly root: string,
    readonly workspace = WS,
  ) {}

  get dir(): string {
    return path.join(this.root, 'response-cache-v1');
  }
  get wsDir(): string {
    return path.join(this.dir, 'workspaces', this.workspace);
  }
  get trash(): string {
    return path.join(this.dir, 'trash');
  }
  get lease(): string {
    return path.join(this.dir, 'sweep.lease');
  }
  get statsDir(): string {
    return path.join(this.wsDir, 'stats');
  }
  get generation(): string {
    return path.join(this.wsDir, 'generation');
  }
  get keyFile(): string {
    return path.join(this.root, 'response-cache.key');
  }
  shard(k: string, kind: 'entries' | 'near' = 'entries'): string {
    const hash = kind === 'entries' ? key(k).hash : key(k).nearHash;
    return path.join(this.wsDir, kind, hash.slice(0, 2));
  }
  entry(k: string): string {
    return path.join(this.shard(k), key(k).hash);
  }
  near(k: string): string {
    return path.join(this.shard(k, 'near'), key(k).nearHash);
  }
  /** Relative to the cache folder, as reports give it. */
  rel(p: string): string {
    return path.relative(this.dir, p).split(path.sep).join('/') || '.';
  }

  /** Stores answers for `keys` (with their near records and statistics), in this process, before anything is planted. */
  async seed(keys: string[], opts: { ttlMs?: number; clock?: () => number } = {}): Promise<void> {
    const cache = await openCache(this.root, { policy: opts.ttlMs ? { ttlMs: opts.ttlMs } : undefined, clock: opts.clock });
    for (const k of keys) await cache.workspace(this.workspace).store(key(k), sampleRun(`answer to ${k}`));
    await cache.close();
  }

  job(steps: HostileStep[], over: Partial<HostileJob> = {}): HostileJob {
    return { root: this.root, workspace: this.workspace, steps, ...over };
  }
}

/** Replaces whatever is at `p` with a FIFO (nothing ever writes to it: a plain read blocks forever). */
export function plantFifo(p: string): void {
  rmSync(p, { recursive: true, force: true });
  mkdirSync(path.dirname(p), { recursive: true });
  execFileSync('mkfifo', [p]);
}

export function plantLink(p: string, target: string): void {
  rmSync(p, { recursive: true, force: true });
  mkdirSync(path.dirname(p), { recursive: true });
  symlinkSync(target, p);
}

export function plantFile(p: string, content = 'not what belongs here'): void {
  rmSync(p, { recursive: true, force: true });
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
}

/** A sparse file of `bytes` (takes no disk space), e.g. 2 GB. */
export function plantSparse(p: string, bytes: number): void {
  rmSync(p, { recursive: true, force: true });
  mkdirSync(path.dirname(p), { recursive: true });
  execFileSync('truncate', ['-s', String(bytes), p]);
}

/**
 * A folder outside the cache that planted links point at, holding files a careless
 * sweep would delete: one named like an entry, old temporary files, a subfolder.
 */
export function makeOutside(dir: string, entryNames: string[] = []): () => string {
  mkdirSync(path.join(dir, 'sub'), { recursive: true });
  writeFileSync(path.join(dir, 'keep.txt'), 'precious');
  writeFileSync(path.join(dir, 'sub', 'deep.txt'), 'precious too');
  for (const n of entryNames) writeFileSync(path.join(dir, n), 'looks like an entry, is not one');
  const old = new Date(Date.now() - 48 * 3600e3);
  for (const n of ['a.1.tmp', `${'c'.repeat(64)}.2.x.tmp`]) {
    writeFileSync(path.join(dir, n), 'old temporary-looking file');
    utimesSync(path.join(dir, n), old, old);
  }
  // A folder laid out like a workspace, for links planted at workspaces/<id>.
  mkdirSync(path.join(dir, 'entries', 'ab'), { recursive: true });
  writeFileSync(path.join(dir, 'entries', 'ab', `ab${'0'.repeat(62)}`), 'junk');
  mkdirSync(path.join(dir, 'stats'), { recursive: true });
  writeFileSync(path.join(dir, 'stats', 's-1-x.json'), '{"counters":{"hits":5}}');
  return () => snapshot(dir);
}

/** Every path under `dir` with its kind and content (or link target), never following a link. */
export function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = lstatSync(p);
      const rel = path.relative(dir, p);
      if (st.isSymbolicLink()) out.push(`${rel} -> ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.push(`${rel}/`);
        walk(p);
      } else if (st.isFile()) out.push(`${rel}: ${readFileSync(p, 'utf8')}`);
      else out.push(`${rel} (special)`);
    }
  };
  walk(dir);
  return out.join('\n');
}

/** Every path under `dir` with its lstat, never following a link. */
export function walkLstat(dir: string): { rel: string; mode: number; kind: 'file' | 'dir' | 'link' | 'special' }[] {
  const out: { rel: string; mode: number; kind: 'file' | 'dir' | 'link' | 'special' }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = lstatSync(p);
      const kind = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'special';
      out.push({ rel: path.relative(dir, p).split(path.sep).join('/'), mode: st.mode & 0o777, kind });
      if (kind === 'dir') walk(p);
    }
  };
  walk(dir);
  return out;
}

export const kindAt = (p: string): 'file' | 'dir' | 'link' | 'special' | 'absent' => {
  try {
    const st = lstatSync(p);
    return st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'special';
  } catch {
    return 'absent';
  }
};
