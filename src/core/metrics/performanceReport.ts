// Per-agent percentiles of each run metric, and alerts when an agent's recent
// runs are slower than its own earlier ones, both computed from the run
// history. The history already bounds what is kept (its retention), so the
// percentiles are exact over those runs: no sketch (HDR histogram, t-digest)
// is needed for a few thousand values, and none would be more accurate.
import { METRIC_NAMES, type HistoryRecord, type RunMetricsRecord } from '../history/historyRecord';
import { csvCell, localDay, markdownText } from './usageLedger';
import type { DailyRowOf, MetricRowOf } from './rows';

export type MetricName = (typeof METRIC_NAMES)[number];

/** Metrics whose larger values are worse (latencies), the ones alerts watch. */
export const LATENCY_METRICS: readonly MetricName[] = ['queueWaitMs', 'detectionMs', 'spawnToFirstByteMs', 'firstOutputMs', 'cacheLookupMs', 'forwardingP95Ms'];

export const METRIC_LABELS: Record<MetricName, string> = {
  queueWaitMs: 'queue wait (ms)',
  detectionMs: 'CLI detection (ms)',
  providerCreationMs: 'provider creation (ms)',
  spawnToFirstByteMs: 'first byte (ms)',
  firstOutputMs: 'first output (ms)',
  cacheLookupMs: 'cache lookup (ms)',
  retries: 'retries',
  eventsPerSec: 'events/s',
  charsPerSec: 'text chars/s',
  forwardingP50Ms: 'forwarding p50 (ms)',
  forwardingP95Ms: 'forwarding p95 (ms)',
  forwardingP99Ms: 'forwarding p99 (ms)',
  forwardingEvents: 'forwarded events',
};

export type MetricRow = MetricRowOf<MetricName>;

/** Nearest-rank percentile of values sorted ascending. */
export function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/** p50/p95/p99 of every metric per agent over the records (runs from the cache count only for the cache lookup). */
export function performanceReport(records: readonly HistoryRecord[]): MetricRow[] {
  const values = new Map<string, number[]>();
  for (const rec of records) {
    const m = rec.metrics;
    if (!m) continue;
    for (const metric of METRIC_NAMES) {
      const v = m[metric];
      if (v === undefined || (rec.cache === 'hit' && metric !== 'cacheLookupMs' && metric !== 'queueWaitMs')) continue;
      const key = `${rec.agentId}\0${metric}`;
      const list = values.get(key) ?? [];
      list.push(v);
      values.set(key, list);
    }
  }
  const rows: MetricRow[] = [];
  for (const [key, list] of values) {
    const [agentId, metric] = key.split('\0') as [string, MetricName];
    const s = [...list].sort((a, b) => a - b);
    rows.push({ agentId, metric, runs: s.length, p50: r1(pct(s, 50)), p95: r1(pct(s, 95)), p99: r1(pct(s, 99)) });
  }
  return rows.sort((a, b) => a.agentId.localeCompare(b.agentId) || METRIC_NAMES.indexOf(a.metric) - METRIC_NAMES.indexOf(b.metric));
}

export interface Degradation {
  agentId: string;
  metric: MetricName;
  /** The median of the agent's latest runs, and the p95 of the runs before them (its own baseline). */
  recentP50: number;
  baselineP95: number;
  ratio: number;
}

export interface AlertOptions {
  /** How much worse the recent p95 must be: 0.5 = 50 % over the baseline. */
  threshold: number;
  /** Latest runs compared (default 5) and the earlier runs that are the baseline (default 20, at least 10 needed). */
  recent?: number;
  baseline?: number;
  /** Differences below this many ms are noise whatever the ratio (default 50). */
  minDeltaMs?: number;
}

/**
 * Latency metrics of one agent whose latest runs are slower than its own
 * earlier ones: the median of the latest exceeds the p95 of the runs before
 * them by more than the threshold (and by more than `minDeltaMs`). A median,
 * not a p95, of five runs: the p95 of five is their maximum, and one slow run
 * is noise, while a typical run slower than nearly all earlier ones is not.
 * Runs from the cache are left out; records may come in any order.
 */
export function degradations(records: readonly HistoryRecord[], agentId: string, opts: AlertOptions): Degradation[] {
  if (!(opts.threshold > 0)) return [];
  const recentN = opts.recent ?? 5;
  const baseN = opts.baseline ?? 20;
  const minDelta = opts.minDeltaMs ?? 50;
  const runs = records.filter((r) => r.agentId === agentId && r.metrics && r.cache !== 'hit').sort((a, b) => a.finishedAt - b.finishedAt);
  const out: Degradation[] = [];
  for (const metric of LATENCY_METRICS) {
    const seq = runs.map((r) => (r.metrics as RunMetricsRecord)[metric]).filter((v): v is number => v !== undefined);
    if (seq.length < recentN + 10) continue;
    const recent = seq.slice(-recentN).sort((a, b) => a - b);
    const base = seq.slice(-(recentN + baseN), -recentN).sort((a, b) => a - b);
    const recentP50 = pct(recent, 50);
    const baselineP95 = pct(base, 95);
    if (recentP50 > baselineP95 * (1 + opts.threshold) && recentP50 - baselineP95 > minDelta) {
      out.push({ agentId, metric, recentP50: r1(recentP50), baselineP95: r1(baselineP95), ratio: r1(recentP50 / Math.max(baselineP95, 1e-9)) });
    }
  }
  return out;
}

/** The report as CSV (one row per agent and metric). */
export function performanceCsv(rows: readonly MetricRow[]): string {
  return ['agent,metric,runs,p50,p95,p99', ...rows.map((r) => [r.agentId, r.metric, r.runs, r.p50, r.p95, r.p99].map(csvCell).join(','))].join('\r\n') + '\r\n';
}

/** The report as a Markdown table for people (agent ids escaped). */
export function performanceMarkdown(rows: readonly MetricRow[]): string {
  const lines = ['| agent | metric | runs | p50 | p95 | p99 |', '|---|---|---:|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${markdownText(r.agentId)} | ${METRIC_LABELS[r.metric]} | ${r.runs} | ${r.p50} | ${r.p95} | ${r.p99} |`);
  return lines.join('\n');
}

/** What Doctor's health section says of recent runs: detection times per agent (cold, cached) and failures by cause. */
export function recentHealth(records: readonly HistoryRecord[], last = 100): { recentRuns: number; detection: Array<{ agentId: string; coldP50Ms?: number; cachedP50Ms?: number; runs: number }>; failures: Array<{ cause: string; count: number; agents: string[] }> } {
  const recent = [...records].sort((a, b) => b.finishedAt - a.finishedAt).slice(0, last);
  const det = new Map<string, { cold: number[]; cached: number[] }>();
  const causes = new Map<string, { count: number; agents: Set<string> }>();
  for (const r of recent) {
    const ms = r.metrics?.detectionMs;
    if (ms !== undefined) {
      const d = det.get(r.agentId) ?? { cold: [], cached: [] };
      (r.metrics?.detectionCached ? d.cached : d.cold).push(ms);
      det.set(r.agentId, d);
    }
    if (r.status === 'succeeded') continue;
    const cause = r.status === 'failed' ? failureCause(r.message) : r.status;
    const c = causes.get(cause) ?? { count: 0, agents: new Set<string>() };
    c.count++;
    c.agents.add(r.agentId);
    causes.set(cause, c);
  }
  const p50 = (xs: number[]) => (xs.length ? r1(pct([...xs].sort((a, b) => a - b), 50)) : undefined);
  return {
    recentRuns: recent.length,
    detection: [...det].map(([agentId, d]) => ({ agentId, coldP50Ms: p50(d.cold), cachedP50Ms: p50(d.cached), runs: d.cold.length + d.cached.length })).sort((a, b) => a.agentId.localeCompare(b.agentId)),
    failures: [...causes].map(([cause, c]) => ({ cause, count: c.count, agents: [...c.agents].sort() })).sort((a, b) => b.count - a.count),
  };
}

/** A failure's message reduced to its kind: the first clause, numbers and quoted parts blanked, so alike failures group. */
export function failureCause(message: string | undefined): string {
  if (!message) return 'failed (no message)';
  const first = message.split(/[.:\n]/)[0].replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '…').replace(/\d+/g, 'N').trim();
  return first.slice(0, 80) || 'failed';
}

export type DailyMetricRow = DailyRowOf<MetricName>;

/** p50/p95/p99 of every metric per agent per local day, oldest day first: what the charts draw. */
export function dailyPerformance(records: readonly HistoryRecord[], offsetMinutes?: number): DailyMetricRow[] {
  const byDay = new Map<string, HistoryRecord[]>();
  for (const r of records) {
    const day = localDay(r.finishedAt, offsetMinutes);
    byDay.set(day, [...(byDay.get(day) ?? []), r]);
  }
  return [...byDay.keys()].sort().flatMap((day) => performanceReport(byDay.get(day)!).map((row) => ({ day, ...row })));
}
