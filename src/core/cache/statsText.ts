import type { WorkspaceStats } from './workspaceCache';

type Stats = Omit<WorkspaceStats, 'workspaceId'>;

/** 1234 → "1.2k", 2_500_000 → "2.5M". */
export function compactCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0).replace(/\.0$/, '')}k`;
  return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0).replace(/\.0$/, '')} MB`;
}

/** Hits over lookups, as a whole percentage; undefined before the first lookup. */
export function hitRate(s: Stats): number | undefined {
  const lookups = s.hits + s.misses;
  return lookups ? Math.round((s.hits / lookups) * 100) : undefined;
}

/** The status bar line: `72% · 1.2k · 34 MB · $4.10 saved` (the icon is the host's). */
export function cacheStatusLine(s: Stats): string {
  const rate = hitRate(s);
  const parts = [rate === undefined ? 'no lookups yet' : `${rate}%`, compactCount(s.entries), formatBytes(s.bytes)];
  if (s.savedCostUsd > 0) parts.push(`$${s.savedCostUsd < 0.01 ? s.savedCostUsd.toFixed(4) : s.savedCostUsd.toFixed(2)} saved`);
  return parts.join(' · ');
}

/** The tooltip / statistics report as a Markdown table. */
export function cacheStatsTable(s: Stats, title: string): string {
  const rate = hitRate(s);
  const rows: Array<[string, string]> = [
    ['Hit rate', rate === undefined ? '–' : `${rate}% (${s.hits} hits, ${s.misses} misses)`],
    ['Answered from memory', String(s.memoryHits)],
    ['Entries', `${s.entries} (${formatBytes(s.bytes)})`],
    ['Stored / not stored', `${s.stored} / ${s.notStored}`],
    ['Runs that skipped the cache', String(s.skipped)],
    ['Saved', `${(s.savedMs / 1000).toFixed(1)} s, ${compactCount(s.savedTokens)} tokens, $${s.savedCostUsd.toFixed(4)}`],
    ['Removed as invalid', String(s.removedInvalid)],
    ['Signed with another secret', String(s.unknownKey)],
    ['Expired / evicted', `${s.expired} / ${s.evicted}`],
  ];
  return [`**${title}**`, '', '| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}
