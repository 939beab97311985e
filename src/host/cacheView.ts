import * as vscode from 'vscode';
import { compactCount, formatBytes, hitRate } from '../core/cache';
import { cacheSettings, type CacheService } from './cacheService';

interface Row {
  label: string;
  value: string;
  icon: string;
}

/** The "Cache" section of the Agent Relay sidebar: this workspace's statistics, read when shown. */
export class CacheView implements vscode.TreeDataProvider<Row> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly service: CacheService) {
    service.onDidChange(() => this.changed.fire());
  }

  getTreeItem(row: Row): vscode.TreeItem {
    const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
    item.description = row.value;
    item.iconPath = new vscode.ThemeIcon(row.icon);
    item.tooltip = vscode.l10n.t({ message: '{0}: {1}', args: [row.label, row.value], comment: 'A tooltip: {0} is a detail\'s name (e.g. Version), {1} its value' });
    return item;
  }

  async getChildren(): Promise<Row[]> {
    const status = vscode.l10n.t('Status');
    if (!cacheSettings().enabled) return [{ label: status, value: vscode.l10n.t('off (agentRelay.cache.enabled)'), icon: 'circle-slash' }];
    const cache = await this.service.cache();
    const ws = await this.service.workspace();
    if (!cache || !ws) return [{ label: status, value: cache ? vscode.l10n.t('no folder open') : vscode.l10n.t('could not open: see the log'), icon: 'warning' }];
    const s = await ws.stats();
    const rate = hitRate(s);
    return [
      {
        label: status,
        value: cache.state.on
          ? vscode.l10n.t({ message: 'on', comment: 'The response cache is on' })
          : vscode.l10n.t({ message: 'off: {0}', args: [cache.state.reason], comment: 'The response cache is off; {0} says why (not translated)' }),
        icon: cache.state.on ? 'pass' : 'warning',
      },
      {
        label: vscode.l10n.t('Hit rate'),
        value:
          rate === undefined
            ? vscode.l10n.t('no lookups yet')
            : vscode.l10n.t({ message: '{0}% ({1} of {2})', args: [rate, s.hits, s.hits + s.misses], comment: 'Cache hit rate: {0} percent, {1} hits of {2} lookups' }),
        icon: 'graph',
      },
      { label: vscode.l10n.t('Entries'), value: `${compactCount(s.entries)} · ${formatBytes(s.bytes)}`, icon: 'database' },
      {
        label: vscode.l10n.t('Saved'),
        value: vscode.l10n.t({
          message: '{0} s · {1} tokens · ${2}',
          args: [(s.savedMs / 1000).toFixed(1), compactCount(s.savedTokens), s.savedCostUsd.toFixed(2)],
          comment: 'What cache hits saved: {0} seconds, {1} tokens, {2} US dollars',
        }),
        icon: 'clock',
      },
      { label: vscode.l10n.t('Removed as invalid'), value: String(s.removedInvalid), icon: 'shield' },
    ];
  }
}
