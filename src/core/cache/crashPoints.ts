/**
 * Whitebox crash points for the multi-process tests: with
 * `AGENT_RELAY_CACHE_CRASH_AT=<point>` (or `<point>@<n>` for the n-th time the
 * point is reached) the process kills itself with SIGKILL there, as a power
 * cut or `kill -9` would. Unset, this is a string comparison per write.
 */
export type CrashPoint =
  /** The temporary file exists but holds only part of the entry. */
  | 'mid-tmp-write'
  /** The temporary file is complete but not renamed into place. */
  | 'after-tmp-write'
  /** The entry is in place; the caller has not been told. */
  | 'after-rename'
  /** A sweep has deleted some files and not others. */
  | 'mid-sweep'
  /** A statistics file is written but not renamed into place. */
  | 'stats-before-rename';

export const CRASH_ENV = 'AGENT_RELAY_CACHE_CRASH_AT';

const reached = new Map<string, number>();

/** True when the process should die at this point now (counts each call). */
export function shouldCrash(point: CrashPoint): boolean {
  const spec = process.env[CRASH_ENV];
  if (!spec) return false;
  const [name, nth] = spec.split('@');
  if (name !== point) return false;
  const n = (reached.get(point) ?? 0) + 1;
  reached.set(point, n);
  return n >= Number(nth || 1);
}

export function die(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL sent to self');
}

/** Dies here when armed for this point. */
export function crashPoint(point: CrashPoint): void {
  if (shouldCrash(point)) die();
}
