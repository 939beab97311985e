import * as path from 'node:path';
import { HistoryStore } from '../core/history/historyStore';
import type { HistoryRecord } from '../core/history/historyRecord';
import type { CliArgs } from './args';
import { defaultStorage, folderWorkspaceId } from './cacheCommand';
import { humanPrinter, out } from './output';
import { ledgerCsv, usageLedger } from '../core/metrics/usageLedger';
import { EXIT } from './session';
import { textTable } from '../core/util/textTable';
import { METRIC_LABELS, performanceCsv, performanceReport } from '../core/metrics/performanceReport';

/** The history of the folder's workspace under the storage folder (VS Code's global storage or the headless one). */
function historyOf(args: { storage?: string; cwd: string }) {
  return new HistoryStore(path.resolve(args.storage ?? defaultStorage())).workspace(folderWorkspaceId(args.cwd));
}

function row(r: HistoryRecord): string {
  const when = new Date(r.finishedAt).toISOString().replace('T', ' ').slice(0, 16);
  const tokens = r.inputTokens !== undefined || r.outputTokens !== undefined ? `${r.inputTokens ?? '?'}/${r.outputTokens ?? '?'}` : '';
  const cost = r.costUsd !== undefined ? `$${r.costUsd.toFixed(4)}` : '';
  const prompt = r.prompt.replace(/\s+/g, ' ').slice(0, 50);
  return [r.id, when, r.agentId.padEnd(9), r.status.padEnd(9), `${(r.durationMs / 1000).toFixed(1)} s`.padStart(8), tokens.padStart(11), cost.padStart(9), (r.cache ?? '').padEnd(10), prompt].join('  ');
}

/** The ledger for a terminal: cost only where reported ("?" counts the runs without one). */
function usageTable(rows: ReturnType<typeof usageLedger>): string {
  const cells = rows.map((r) => [r.day, r.agentId, String(r.runs), `${r.inputTokens}/${r.outputTokens}`, `$${r.costUsd.toFixed(4)}${r.runsWithoutCost ? ` (+${r.runsWithoutCost} without cost)` : ''}`, r.cacheHits ? `${r.cacheHits} hits, $${r.savedCostUsd.toFixed(4)} saved` : '']);
  return textTable(['day', 'agent', 'runs', 'tokens in/out', 'cost reported', 'from cache'], cells);
}

/** `metrics [--json|--csv]`: the performance report from this folder's history (what VS Code's Show Performance shows). */
export async function metricsCommand(args: Extract<CliArgs, { command: 'metrics' }>): Promise<number> {
  const rows = performanceReport((await historyOf(args).list()).records);
  if (args.csv) out(performanceCsv(rows));
  else if (args.json) for (const r of rows) out(`${JSON.stringify(r)}\n`);
  else if (!rows.length) process.stderr.write(`No measured runs in the history of ${path.resolve(args.cwd)}.\n`);
  else out(`${textTable(['agent', 'metric', 'runs', 'p50', 'p95', 'p99'], rows.map((r) => [r.agentId, METRIC_LABELS[r.metric], String(r.runs), String(r.p50), String(r.p95), String(r.p99)]))}\n`);
  return EXIT.ok;
}

/** `runs list|show`: what the history holds for this folder (the same files VS Code writes). */
export async function runsCommand(args: Extract<CliArgs, { command: 'runs' }>): Promise<number> {
  const history = historyOf(args);
  if (args.action === 'usage') {
    const rows = usageLedger((await history.list()).records);
    if (args.csv) out(ledgerCsv(rows));
    else if (args.json) for (const r of rows) out(`${JSON.stringify(r)}\n`);
    else if (!rows.length) process.stderr.write(`No runs in the history of ${path.resolve(args.cwd)}.\n`);
    else out(`${usageTable(rows)}\n`);
    return EXIT.ok;
  }
  if (args.action === 'list') {
    const { records, skipped } = await history.list();
    if (args.json) for (const r of records) out(`${JSON.stringify(r)}\n`);
    else if (!records.length) process.stderr.write(`No runs in the history of ${path.resolve(args.cwd)}.\n`);
    else out(`${records.map(row).join('\n')}\n`);
    if (skipped.length) process.stderr.write(`agent-relay: skipped ${skipped.length} damaged history file(s): ${skipped.join(', ')}\n`);
    return EXIT.ok;
  }
  const record = await history.get(args.id!);
  const events = record && (await history.readEvents(record.id));
  if (!record || !events) {
    process.stderr.write(`No run ${JSON.stringify(args.id).slice(0, 80)} in the history of ${path.resolve(args.cwd)} (see "runs list").\n`);
    return EXIT.failed;
  }
  if (args.json) {
    out(`${JSON.stringify({ record })}\n`);
    for (const e of events) out(`${JSON.stringify(e)}\n`);
    return EXIT.ok;
  }
  process.stderr.write(`${row(record)}\n${record.context ? `+ ${record.context}\n` : ''}\n`);
  const print = humanPrinter();
  for (const e of events) print(e);
  return EXIT.ok;
}
