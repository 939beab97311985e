// How VS Code windows did in a workspace, over time: our activation time and
// the extension host's memory, sampled by each window now and then (when a run
// finishes, at most every half hour). Kept beside the workspace's run history,
// bounded, read as untrusted.
import { arr, num, obj, str } from '../util/json';

export interface WindowSample {
  at: number;
  /** A random id per window, so each window's activation counts once. */
  windowId: string;
  /** Loading our bundle to `activate()` returning (the first sample of a window only). */
  activationMs?: number;
  /** The whole extension host's: every extension shares it. */
  hostRssMB: number;
  hostHeapMB: number;
}

export const WINDOW_SAMPLES_FILE = 'windows.json';
export const MAX_WINDOW_SAMPLES = 300;
export const WINDOW_SAMPLES_MAX_BYTES = 128 * 1024;

const bounded = (v: unknown, max: number) => {
  const n = num(v);
  return n !== undefined && n >= 0 && n <= max ? n : undefined;
};

/** The samples a file holds, oldest first: entries that are not well-formed are skipped. */
export function parseWindowSamples(text: string): WindowSample[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const out: WindowSample[] = [];
  for (const v of arr(obj(parsed)?.samples)) {
    const o = obj(v);
    const at = bounded(o?.at, 8.64e15);
    const windowId = str(o?.windowId);
    const rss = bounded(o?.hostRssMB, 1e6);
    const heap = bounded(o?.hostHeapMB, 1e6);
    if (at === undefined || !windowId || !/^[A-Za-z0-9-]{1,64}$/.test(windowId) || rss === undefined || heap === undefined) continue;
    const s: WindowSample = { at, windowId, hostRssMB: rss, hostHeapMB: heap };
    const activation = bounded(o?.activationMs, 3.6e6);
    if (activation !== undefined) s.activationMs = activation;
    out.push(s);
  }
  return out.sort((a, b) => a.at - b.at).slice(-MAX_WINDOW_SAMPLES);
}

export function encodeWindowSamples(samples: readonly WindowSample[]): string {
  return JSON.stringify({ schema: 1, samples: samples.slice(-MAX_WINDOW_SAMPLES) });
}
