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
    item.tooltip = `${row.label}: ${row.value}`;
    return item;
  }

  async getChildren(): Promise<Row[]> {
    if (!cacheSettings().enabled) return [{ label: 'Status', value: 'off (agentRelay.cache.enabled)', icon: 'circle-slash' }];
    const cache = await this.service.cache();
    const ws = await this.service.workspace();
    if (!cache || !ws) return [{ label: 'Status', value: cache ? 'no folder open' : 'could not open: see the log', icon: 'warning' }];
    const s = await ws.stats();
    const rate = hitRate(s);
    return [
      { label: 'Status', value: cache.state.on ? 'on' : `off: ${cache.state.reason}`, icon: cache.state.on ? 'pass' : 'warning' },
      { label: 'Hit rate', value: rate === undefined ? 'no lookups yet' : `${rate}% (${s.hits} of ${s.hits + s.misses})`, icon: 'graph' },
      { label: 'Entries', value: `${compactCount(s.entries)} · ${formatBytes(s.bytes)}`, icon: 'database' },
      { label: 'Saved', value: `${(s.savedMs / 1000).toFixed(1)} s · ${compactCount(s.savedTokens)} tokens · $${s.savedCostUsd.toFixed(2)}`, icon: 'clock' },
      { label: 'Removed as invalid', value: String(s.removedInvalid), icon: 'shield' },
    ];
  }
}
