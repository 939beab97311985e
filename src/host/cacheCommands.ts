import * as vscode from 'vscode';
import { cacheStatsTable, type CacheStatsReport, type VerifyReport } from '../core/cache';
import { cacheSettings } from './cacheService';
import type { Relay } from './relay';

const needCache = async (relay: Relay) => {
  const cache = await relay.cache.cache();
  if (!cache) {
    const why = cacheSettings().enabled ? 'could not be opened (see "Agent Relay: Show Log")' : 'is turned off (agentRelay.cache.enabled)';
    void vscode.window.showWarningMessage(`Agent Relay: the response cache ${why}.`);
  }
  return cache;
};

/** "Show Cache Statistics": this workspace and every workspace, as a Markdown document. Returns the report. */
export async function showCacheStatistics(relay: Relay): Promise<CacheStatsReport | undefined> {
  const cache = await needCache(relay);
  if (!cache) return undefined;
  const report = await cache.stats();
  const current = relay.cache.workspaceId();
  const mine = report.workspaces.find((w) => w.workspaceId === current);
  const doc = await vscode.workspace.openTextDocument({
    language: 'markdown',
    content: [
      '# Agent Relay response cache',
      '',
      `State: ${cache.state.on ? 'on' : `off (${cache.state.reason})`}. Policy: ${cacheSettings().policy.mode}. Storage: \`${relay.context.globalStorageUri.fsPath}\`.`,
      '',
      mine ? cacheStatsTable(mine, 'This workspace') : '_Nothing cached for this workspace yet._',
      '',
      cacheStatsTable(report.total, `All workspaces (${report.workspaces.length})`),
      '',
    ].join('\n'),
  });
  await vscode.window.showTextDocument(doc, { preview: true });
  return report;
}

export async function clearWorkspaceCache(relay: Relay): Promise<boolean> {
  const ws = await relay.cache.workspace();
  if (!ws) {
    await needCache(relay);
    return false;
  }
  await ws.clear();
  void vscode.window.showInformationMessage('Agent Relay: cleared the response cache of this workspace.');
  return true;
}

/** Clears every workspace's cache; asks first unless `confirmed` (tests, scripts). */
export async function clearAllCaches(relay: Relay, confirmed?: boolean): Promise<boolean> {
  const cache = await needCache(relay);
  if (!cache) return false;
  if (confirmed !== true) {
    const ok = await vscode.window.showWarningMessage('Clear the Agent Relay response cache of every workspace?', { modal: true }, 'Clear All');
    if (ok !== 'Clear All') return false;
  }
  await cache.clear();
  void vscode.window.showInformationMessage('Agent Relay: cleared the response cache of every workspace.');
  return true;
}

/** "Verify Cache": re-checks every entry's signature, removes bad ones, reports the counts. */
export async function verifyCache(relay: Relay): Promise<VerifyReport | undefined> {
  const cache = await needCache(relay);
  if (!cache) return undefined;
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Agent Relay: verifying the response cache…' }, () => cache.verify());
  const parts = [`${r.checked} checked`, `${r.valid} valid`, `${r.removed} removed as invalid`, `${r.expiredRemoved} expired removed`];
  if (r.unverifiable) parts.push(`${r.unverifiable} signed with another secret (left alone)`);
  void vscode.window.showInformationMessage(`Agent Relay cache: ${parts.join(', ')}.`);
  return r;
}

/** The status bar item's menu. */
export async function cacheActions(relay: Relay): Promise<void> {
  const enabled = cacheSettings().enabled;
  const items = [
    { label: '$(graph) Show Cache Statistics', command: 'agentRelay.cacheStats' },
    { label: '$(shield) Verify Cache', command: 'agentRelay.verifyCache' },
    { label: '$(trash) Clear Workspace Cache', command: 'agentRelay.clearWorkspaceCache' },
    { label: '$(clear-all) Clear All Caches', command: 'agentRelay.clearAllCaches' },
    { label: enabled ? '$(circle-slash) Turn the Cache Off' : '$(check) Turn the Cache On', toggle: true },
    { label: '$(gear) Cache Settings', settings: true },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: 'Agent Relay: Response Cache' });
  if (!pick) return;
  if ('command' in pick && pick.command) await vscode.commands.executeCommand(pick.command);
  else if ('toggle' in pick) await vscode.workspace.getConfiguration('agentRelay.cache').update('enabled', !enabled, vscode.ConfigurationTarget.Global);
  else if ('settings' in pick) await vscode.commands.executeCommand('workbench.action.openSettings', 'agentRelay.cache');
  void relay;
}
