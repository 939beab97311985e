import type { HistoryRecord } from '../history/historyRecord';

/** One agent's usage on one day: what was spent, and apart from it what the cache saved. */
export type { LedgerRow } from './rows';
import type { LedgerRow } from './rows';

/** YYYY-MM-DD of a time, in the local time zone (`offsetMinutes` as Date#getTimezoneOffset gives it). */
export function localDay(ms: number, offsetMinutes = new Date(ms).getTimezoneOffset()): string {
  return new Date(ms - offsetMinutes * 60_000).toISOString().slice(0, 10);
}

/**
 * Tokens and cost per agent per day, newest day first, from the run history.
 * Only what agents reported counts: a run without a reported cost adds to
 * `runsWithoutCost`, not to the cost. A cache hit replays the stored run's
 * usage, which is what it saved, so it is counted apart.
 */
export function usageLedger(records: Iterable<Pick<HistoryRecord, 'finishedAt' | 'agentId' | 'agentName' | 'inputTokens' | 'outputTokens' | 'costUsd' | 'cache'>>, offsetMinutes?: number): LedgerRow[] {
  const rows = new Map<string, LedgerRow>();
  for (const r of records) {
    const day = localDay(r.finishedAt, offsetMinutes);
    const key = `${day}\0${r.agentId}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { day, agentId: r.agentId, agentName: r.agentName, runs: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, runsWithoutCost: 0, cacheHits: 0, savedTokens: 0, savedCostUsd: 0 }));
    row.runs++;
    const tokens = (r.inputTokens ?? 0) + (r.outputTokens ?? 0);
    if (r.cache === 'hit') {
      row.cacheHits++;
      row.savedTokens += tokens;
      row.savedCostUsd += r.costUsd ?? 0;
      continue;
    }
    row.inputTokens += r.inputTokens ?? 0;
    row.outputTokens += r.outputTokens ?? 0;
    if (r.costUsd === undefined) row.runsWithoutCost++;
    else row.costUsd += r.costUsd;
  }
  return [...rows.values()].sort((a, b) => (a.day === b.day ? a.agentId.localeCompare(b.agentId) : a.day < b.day ? 1 : -1));
}

/** What the agents reported spending today (local day of `now`), across agents. */
export function spentOn(rows: readonly LedgerRow[], day: string): { costUsd: number; runsWithoutCost: number } {
  const today = rows.filter((r) => r.day === day);
  return { costUsd: today.reduce((n, r) => n + r.costUsd, 0), runsWithoutCost: today.reduce((n, r) => n + r.runsWithoutCost, 0) };
}

const COLUMNS: Array<keyof LedgerRow> = ['day', 'agentId', 'agentName', 'runs', 'inputTokens', 'outputTokens', 'costUsd', 'runsWithoutCost', 'cacheHits', 'savedTokens', 'savedCostUsd'];

/**
 * The ledger as CSV (RFC 4180 quoting). A name from another extension could
 * start with = + - @: such cells are prefixed with ' so a spreadsheet does
 * not run them as formulas.
 */
export function ledgerCsv(rows: readonly LedgerRow[]): string {
  return [COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\r\n') + '\r\n';
}

/** One CSV cell: RFC 4180 quoting, and text a spreadsheet would run as a formula prefixed with '. */
export function csvCell(v: unknown): string {
  let s = typeof v === 'number' ? String(Math.round(v * 1e6) / 1e6) : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Text for a Markdown table that cannot become markup. */
export const markdownText = (s: string) => s.replace(/[\\`*_{}[\]()#+!|<>~-]/g, (c) => `\\${c}`);

/** The ledger as a Markdown table for people; names are escaped so they cannot become markup. */
export function ledgerMarkdown(rows: readonly LedgerRow[]): string {
  const esc = markdownText;
  const money = (n: number) => `$${n < 0.01 && n > 0 ? n.toFixed(4) : n.toFixed(2)}`;
  const lines = ['| day | agent | runs | tokens in / out | cost reported | without cost | from cache | saved |', '|---|---|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    lines.push(`| ${r.day} | ${esc(r.agentName)} | ${r.runs} | ${r.inputTokens} / ${r.outputTokens} | ${money(r.costUsd)} | ${r.runsWithoutCost || ''} | ${r.cacheHits || ''} | ${r.cacheHits ? `${r.savedTokens} tokens, ${money(r.savedCostUsd)}` : ''} |`);
  }
  return lines.join('\n');
}
