// Usage you can see: tokens and cost per agent per day from the run history,
// as a report, an export (JSON or CSV), and today's spend in the status bar.
import * as vscode from 'vscode';
import { ledgerCsv, ledgerMarkdown, localDay, spentOn, usageLedger, type LedgerRow } from '../core/metrics/usageLedger';
import { degradations, METRIC_LABELS, performanceMarkdown, performanceReport } from '../core/metrics/performanceReport';
import { windowHealth, windowHealthMarkdown } from '../core/metrics/windowHealth';
import type { Relay } from './relay';

/** The ledger of this workspace's history. */
export async function workspaceLedger(relay: Relay): Promise<LedgerRow[]> {
  return usageLedger((await relay.workspaceHistory().list()).records);
}

/** Read-only Markdown document with the ledger: `agent-relay-usage:/Usage.md`. */
export class UsageDocument implements vscode.TextDocumentContentProvider {
  static readonly scheme = 'agent-relay-usage';
  static readonly uri = vscode.Uri.from({ scheme: UsageDocument.scheme, path: '/Usage.md' });
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly relay: Relay) {
    this.subscription = relay.onDidChangeHistory(() => this.changed.fire(UsageDocument.uri));
  }

  async provideTextDocumentContent(): Promise<string> {
    const history = this.relay.workspaceHistory();
    const records = (await history.list()).records;
    const rows = usageLedger(records);
    const perf = performanceReport(records);
    const windows = windowHealth(await history.windowSamples());
    const total = rows.reduce((n, r) => n + r.costUsd, 0);
    const missing = rows.reduce((n, r) => n + r.runsWithoutCost, 0);
    return [
      '# Agent Relay usage and performance (this workspace)',
      '',
      `From the run history (its newest 500 runs). Cost is what the agents reported: ${missing ? `${missing} run(s) reported none and are not counted` : 'every run reported one'}. Answers from the cache are shown apart, as saved.`,
      '',
      rows.length ? ledgerMarkdown(rows) : '_No runs yet._',
      '',
      `Reported in total: $${total.toFixed(2)}. Export with "Agent Relay: Export Usage…" (CSV or JSON).`,
      '',
      '## Performance per agent',
      '',
      'What each run measured, over the same runs (runs from the cache count only for the cache lookup): the time in the queue, finding the CLI, from spawning it to its first byte, to the first output, the cache lookup, retries, throughput, and the forwarding latency to the run panel (a line arriving in the host to its text drawn).',
      '',
      perf.length ? performanceMarkdown(perf) : '_No measured runs yet._',
      '',
      `## Windows (last ${windows.days} days)`,
      '',
      "Our activation time (loading the bundle to `activate()` returning) and the extension host's memory (the whole host's: every extension shares it), sampled by each window when a run finishes, at most every 30 minutes.",
      '',
      windowHealthMarkdown(windows),
      '',
    ].join('\n');
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

export async function showUsage(): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(UsageDocument.uri);
  await vscode.window.showTextDocument(doc, { preview: true });
}

/** Writes the ledger as CSV or JSON (by the file's extension) to `target`, or where the user picks. Returns the file. */
export async function exportUsage(relay: Relay, target?: vscode.Uri | string): Promise<vscode.Uri | undefined> {
  const uri =
    typeof target === 'string'
      ? vscode.Uri.file(target)
      : (target ??
        (await vscode.window.showSaveDialog({
          title: vscode.l10n.t('Agent Relay: Export Usage'),
          filters: { CSV: ['csv'], JSON: ['json'] },
          defaultUri: vscode.workspace.workspaceFolders?.[0] ? vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, 'agent-relay-usage.csv') : undefined,
        })));
  if (!uri) return undefined;
  const history = relay.workspaceHistory();
  const records = (await history.list()).records;
  const rows = usageLedger(records);
  const json = async () => ({ exported: new Date().toISOString(), rows, performance: performanceReport(records), windows: windowHealth(await history.windowSamples()) });
  const text = uri.path.toLowerCase().endsWith('.json') ? JSON.stringify(await json(), null, 2) + '\n' : ledgerCsv(rows);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
  return uri;
}

/** Today's reported spend, for the status bar: read once the history has changed in this window (never at activation). */
export function todaysSpend(relay: Relay): { onDidChange: vscode.Event<unknown>; today(): Promise<{ costUsd: number; runsWithoutCost: number }> } {
  return {
    onDidChange: relay.onDidChangeHistory,
    today: async () => spentOn(await workspaceLedger(relay), localDay(Date.now())),
  };
}

/**
 * A one-time warning when an agent's latest runs are slower than its own
 * earlier ones (the median of the last 5 against the p95 of the 20 before, by
 * more than `agentRelay.metrics.alertThreshold`), with a link to the report. Reads the
 * history only after this window wrote a run to it, never at activation.
 */
export function watchDegradations(relay: Relay): vscode.Disposable {
  const warned = new Set<string>();
  return relay.onDidChangeHistory(async (runId) => {
    const threshold = vscode.workspace.getConfiguration('agentRelay').get<number>('metrics.alertThreshold', 0.5);
    if (!(threshold > 0)) return;
    const records = (await relay.workspaceHistory().list().catch(() => undefined))?.records ?? [];
    const agentId = records.find((r) => r.id === runId)?.agentId;
    if (!agentId) return;
    for (const d of degradations(records, agentId, { threshold })) {
      const key = `${d.agentId}\0${d.metric}`;
      if (warned.has(key)) continue;
      warned.add(key);
      const show = vscode.l10n.t('Show Usage and Performance');
      const choice = await vscode.window.showWarningMessage(
        vscode.l10n.t({
          message: '{0} got slower: {1} is {2} in its last runs (median), against {3} before (p95): {4}× its own usual.',
          args: [d.agentId, METRIC_LABELS[d.metric], String(d.recentP50), String(d.baselineP95), String(d.ratio)],
          comment: '{0} agent id, {1} metric name, {2} and {3} numbers, {4} a ratio',
        }),
        show,
      );
      if (choice === show) await showUsage();
    }
  });
}
