// Our activation time and the extension host's memory over time, from the
// windows' samples (core/history/windowSamples.ts): what the Doctor, the usage
// report and its export show.
import type { WindowSample } from '../history/windowSamples';
import { pct as sortedPct } from './performanceReport';
import { localDay } from './usageLedger';

export interface WindowDay {
  day: string;
  windows: number;
  activationP50Ms?: number;
  activationMaxMs?: number;
  hostRssP50MB: number;
  hostRssMaxMB: number;
}

export interface WindowHealth {
  /** Over the last `days` days. */
  days: number;
  windows: number;
  samples: number;
  activationP50Ms?: number;
  activationP95Ms?: number;
  hostRssP50MB?: number;
  hostRssMaxMB?: number;
  hostHeapP50MB?: number;
  /** Per local day, oldest first. */
  daily: WindowDay[];
}

const pct = (values: readonly number[], p: number): number | undefined => (values.length ? sortedPct([...values].sort((a, b) => a - b), p) : undefined);

const r1 = (n: number | undefined) => (n === undefined ? undefined : Math.round(n * 10) / 10);

export function windowHealth(samples: readonly WindowSample[], now = Date.now(), days = 30): WindowHealth {
  const recent = samples.filter((s) => s.at > now - days * 86_400_000 && s.at <= now + 60_000);
  const activations = (list: readonly WindowSample[]) => list.flatMap((s) => (s.activationMs !== undefined ? [s.activationMs] : []));
  const byDay = new Map<string, WindowSample[]>();
  for (const s of recent) byDay.set(localDay(s.at), [...(byDay.get(localDay(s.at)) ?? []), s]);
  const daily = [...byDay]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([day, list]): WindowDay => {
      const a = activations(list);
      const rss = list.map((s) => s.hostRssMB);
      return { day, windows: new Set(list.map((s) => s.windowId)).size, activationP50Ms: r1(pct(a, 50)), activationMaxMs: r1(a.length ? Math.max(...a) : undefined), hostRssP50MB: r1(pct(rss, 50))!, hostRssMaxMB: r1(Math.max(...rss))! };
    });
  const a = activations(recent);
  const rss = recent.map((s) => s.hostRssMB);
  return {
    days,
    windows: new Set(recent.map((s) => s.windowId)).size,
    samples: recent.length,
    activationP50Ms: r1(pct(a, 50)),
    activationP95Ms: r1(pct(a, 95)),
    hostRssP50MB: r1(pct(rss, 50)),
    hostRssMaxMB: r1(rss.length ? Math.max(...rss) : undefined),
    hostHeapP50MB: r1(pct(recent.map((s) => s.hostHeapMB), 50)),
    daily,
  };
}

/** The usage report's section: a line a day. */
export function windowHealthMarkdown(h: WindowHealth): string {
  if (!h.samples) return '_No samples yet: a window records one when a run finishes._';
  const ms = (n: number | undefined) => (n === undefined ? '' : `${n} ms`);
  return [
    '| day | windows | activation p50 | activation max | host memory p50 | host memory max |',
    '|---|---:|---:|---:|---:|---:|',
    ...h.daily.map((d) => `| ${d.day} | ${d.windows} | ${ms(d.activationP50Ms)} | ${ms(d.activationMaxMs)} | ${d.hostRssP50MB} MB | ${d.hostRssMaxMB} MB |`),
  ].join('\n');
}

/**
 * When a window takes a sample: on the first finished run (with the
 * activation time), then at most every `everyMs`. Never at activation.
 */
export class WindowSampler {
  private last: number | undefined;

  constructor(
    private readonly windowId: string,
    private readonly activationMs: () => number | undefined,
    private readonly memory: () => { rss: number; heapUsed: number } = () => process.memoryUsage(),
    private readonly everyMs = 30 * 60_000,
  ) {}

  /** A sample to keep now, or undefined when the last one is recent. */
  take(now = Date.now()): WindowSample | undefined {
    if (this.last !== undefined && now - this.last < this.everyMs) return undefined;
    const first = this.last === undefined;
    this.last = now;
    const m = this.memory();
    const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;
    const s: WindowSample = { at: now, windowId: this.windowId, hostRssMB: mb(m.rss), hostHeapMB: mb(m.heapUsed) };
    const activation = first ? this.activationMs() : undefined;
    if (activation !== undefined) s.activationMs = activation;
    return s;
  }
}
