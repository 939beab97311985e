// Usage you can see: tokens and cost per agent per day from the run history,
// as a report, an export (JSON or CSV), and today's spend in the status bar.
import * as vscode from 'vscode';
import { ledgerCsv, ledgerMarkdown, localDay, spentOn, usageLedger, type LedgerRow } from '../core/metrics/usageLedger';
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
    const rows = await workspaceLedger(this.relay);
    const total = rows.reduce((n, r) => n + r.costUsd, 0);
    const missing = rows.reduce((n, r) => n + r.runsWithoutCost, 0);
    return [
      '# Agent Relay usage (this workspace)',
      '',
      `From the run history (its newest 500 runs). Cost is what the agents reported: ${missing ? `${missing} run(s) reported none and are not counted` : 'every run reported one'}. Answers from the cache are shown apart, as saved.`,
      '',
      rows.length ? ledgerMarkdown(rows) : '_No runs yet._',
      '',
      `Reported in total: $${total.toFixed(2)}. Export with "Agent Relay: Export Usage…" (CSV or JSON).`,
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
  const rows = await workspaceLedger(relay);
  const text = uri.path.toLowerCase().endsWith('.json') ? JSON.stringify({ exported: new Date().toISOString(), rows }, null, 2) + '\n' : ledgerCsv(rows);
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
