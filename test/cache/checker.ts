// A Jepsen-style checker for the cache's claims, over the histories the
// worker processes record: every read is a miss or exactly a value some
// process wrote for that key; and, without size pressure, every read that
// began after a write of its key completed is a hit.
import { createHash } from 'node:crypto';
import type { CachedRun } from '../../src/core/cache/cachedRun';

/** What a worker writes into an entry: self-describing, so a reader can tell a torn or misplaced value. */
export interface WrittenValue {
  key: string;
  writer: string;
  seq: number;
  payload: string;
}

export function valueRun(v: WrittenValue): CachedRun {
  const text = JSON.stringify(v);
  return {
    agentId: 'claude',
    events: [{ type: 'text', text }],
    outcome: { status: 'succeeded', durationMs: 1, result: createHash('sha256').update(v.payload).digest('hex') },
    saved: { ms: 1 },
  };
}

/** Reads a value back; `valid` is false when it is torn or belongs to another key. */
export function readValue(key: string, run: CachedRun): { value: string; ok: boolean } {
  try {
    const e = run.events[0];
    const v = JSON.parse(e.type === 'text' ? e.text : '') as WrittenValue;
    const valid = v.key === key && createHash('sha256').update(v.payload).digest('hex') === run.outcome.result;
    return { value: `${v.writer}:${v.seq}`, ok: valid };
  } catch {
    return { value: '?', ok: false };
  }
}

export interface Op {
  proc: string;
  type: 'put' | 'get';
  key: string;
  /** Wall-clock ms (performance.timeOrigin + now): comparable across processes on one machine. */
  start: number;
  end?: number;
  /** put: the value id written. get: the value id read, or null for a miss. */
  value: string | null;
  /** put: it completed (acknowledged). get: the value was well-formed for its key. */
  ok: boolean;
}

export interface CheckOptions {
  /** No eviction could have happened: completed writes must stay readable. */
  noPressure: boolean;
  /**
   * Apply that to reads during the run too (default), not only to the final
   * reads. Off where stale entries are being removed meanwhile: removing one
   * takes it out of place for an instant (and puts back a fresh one found
   * there), which a concurrent reader may see as a miss.
   */
  duringRun?: boolean;
}

export function checkHistory(ops: readonly Op[], finalReads: ReadonlyMap<string, { value: string | null; ok: boolean }>, opts: CheckOptions): string[] {
  const violations: string[] = [];
  const written = new Map<string, Set<string>>();
  const firstAck = new Map<string, number>();
  for (const op of ops) {
    if (op.type !== 'put' || op.value === null) continue;
    if (!written.has(op.key)) written.set(op.key, new Set());
    written.get(op.key)!.add(op.value);
    if (op.ok && op.end !== undefined) firstAck.set(op.key, Math.min(firstAck.get(op.key) ?? Infinity, op.end));
  }
  const checkRead = (where: string, key: string, value: string | null, ok: boolean, start: number) => {
    if (value !== null) {
      if (!ok) violations.push(`${where}: torn or misplaced value ${value} for ${key}`);
      else if (!written.get(key)?.has(value)) violations.push(`${where}: value ${value} was never written for ${key}`);
    } else if (opts.noPressure && (firstAck.get(key) ?? Infinity) < start) {
      violations.push(`${where}: miss for ${key} after a completed write`);
    }
  };
  for (const op of ops) if (op.type === 'get') checkRead(`${op.proc} read at ${op.start.toFixed(1)}`, op.key, op.value, op.ok, opts.duringRun === false ? -Infinity : op.start);
  for (const [key, r] of finalReads) checkRead('final read', key, r.value, r.ok, Infinity);
  return violations;
}
