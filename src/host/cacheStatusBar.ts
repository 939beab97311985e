import * as vscode from 'vscode';
import { cacheStatsTable, cacheStatusLine } from '../core/cache';
import { cacheSettings, type CacheService } from './cacheService';

const off = () => vscode.l10n.t({ message: 'off', comment: 'Status bar text: the response cache is off' });

/**
 * `$(database) 72% · 1.2k · 34 MB · $4.10 saved` for this workspace; click for
 * the cache actions. Shown from activation (which it never causes); the
 * statistics are first read a moment after activation, not during it, and
 * then whenever the cache reports activity (at most a few times a second).
 */
export class CacheStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('agentRelay.cache', vscode.StatusBarAlignment.Right, 100);
  private timer: NodeJS.Timeout | undefined;
  private readonly subscription: vscode.Disposable;

  private spend: string | undefined;
  private usageSubscription: vscode.Disposable | undefined;

  constructor(
    private readonly service: CacheService,
    usage?: { onDidChange: vscode.Event<unknown>; today(): Promise<{ costUsd: number; runsWithoutCost: number }> },
  ) {
    this.item.name = vscode.l10n.t('Agent Relay Response Cache');
    this.item.text = `$(database) ${vscode.l10n.t({ message: 'cache', comment: 'Status bar text before the cache statistics are read' })}`;
    this.item.command = 'agentRelay.cacheActions';
    this.item.tooltip = vscode.l10n.t('Agent Relay response cache');
    this.item.show();
    this.subscription = service.onDidChange(() => this.schedule(300));
    // Today's reported spend joins the item once a run of this window is in the history (the history is open then).
    this.usageSubscription = usage?.onDidChange(() =>
      void usage.today().then(
        (t) => {
          this.spend = t.costUsd > 0 || t.runsWithoutCost === 0 ? `$${t.costUsd.toFixed(2)} ${vscode.l10n.t({ message: 'today', comment: 'Status bar: what the agents reported spending today' })}` : undefined;
          this.schedule(0);
        },
        () => undefined,
      ),
    );
    this.schedule(1500);
  }

  private schedule(delayMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, delayMs);
  }

  /** Reads the statistics now (also used by tests and after commands). */
  async refresh(): Promise<void> {
    if (!cacheSettings().enabled) {
      this.item.text = `$(database) ${off()}`;
      this.item.tooltip = vscode.l10n.t('The Agent Relay response cache is turned off (agentRelay.cache.enabled). Click for cache actions.');
      return;
    }
    const cache = await this.service.cache();
    const ws = await this.service.workspace();
    if (!cache || !ws) {
      this.item.text = '$(database) –';
      this.item.tooltip = cache
        ? vscode.l10n.t('Open a folder to use the response cache.')
        : vscode.l10n.t('The response cache could not be opened: see "Agent Relay: Show Log".');
      return;
    }
    const stats = await ws.stats();
    const state = cache.state;
    this.item.text = `$(database) ${state.on ? cacheStatusLine(stats) : off()}${this.spend ? ` · ${this.spend}` : ''}`;
    // Untrusted (no command links); the reason the cache is off (an error of the file system) goes in as text.
    const tooltip = new vscode.MarkdownString(`${cacheStatsTable(stats, vscode.l10n.t('Agent Relay response cache (this workspace)'))}\n\n`);
    if (!state.on) tooltip.appendMarkdown(`**${vscode.l10n.t('Off:')}** `).appendText(state.reason ?? '').appendMarkdown('\n\n');
    if (this.spend) tooltip.appendText(vscode.l10n.t({ message: 'Reported by the agents today: {0} (runs that report no cost are not counted; "Agent Relay: Show Usage" has the ledger).', args: [this.spend.split(' ')[0]], comment: '{0} is an amount in US dollars' })).appendMarkdown('\n\n');
    tooltip.appendText(vscode.l10n.t('Click for cache actions.'));
    this.item.tooltip = tooltip;
    this.item.backgroundColor = state.on ? undefined : new vscode.ThemeColor('statusBarItem.warningBackground');
  }

  /** What the item shows, for tests. */
  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscription.dispose();
    this.usageSubscription?.dispose();
    this.item.dispose();
  }
}
