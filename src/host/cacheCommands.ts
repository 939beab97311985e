import * as vscode from 'vscode';
import { cacheStatsTable, RefusedPath, type CacheStatsReport, type VerifyReport } from '../core/cache';
import { cacheSettings } from './cacheService';
import type { Relay } from './relay';

const needCache = async (relay: Relay) => {
  const cache = await relay.cache.cache();
  if (!cache) {
    const message = cacheSettings().enabled
      ? vscode.l10n.t('Agent Relay: the response cache could not be opened (see "Agent Relay: Show Log").')
      : vscode.l10n.t('Agent Relay: the response cache is turned off (agentRelay.cache.enabled).');
    void vscode.window.showWarningMessage(message);
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
  const state = cache.state.on
    ? vscode.l10n.t({ message: 'on', comment: 'The response cache is on' })
    : vscode.l10n.t({ message: 'off ({0})', args: [cache.state.reason], comment: 'The response cache is off; {0} says why (not translated)' });
  const doc = await vscode.workspace.openTextDocument({
    language: 'markdown',
    content: [
      `# ${vscode.l10n.t('Agent Relay response cache')}`,
      '',
      vscode.l10n.t({
        message: 'State: {0}. Policy: {1}. Storage: `{2}`.',
        args: [state, cacheSettings().policy.mode, relay.context.globalStorageUri.fsPath],
        comment: 'Markdown. {0} is "on" or "off (reason)", {1} the agentRelay.cache.policy setting value (not translated), {2} a folder path',
      }),
      '',
      mine ? cacheStatsTable(mine, vscode.l10n.t('This workspace')) : `_${vscode.l10n.t('Nothing cached for this workspace yet.')}_`,
      '',
      cacheStatsTable(report.total, vscode.l10n.t({ message: 'All workspaces ({0})', args: [report.workspaces.length], comment: '{0} is the number of workspaces' })),
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
  if (!(await clearing(() => ws.clear()))) return false;
  void vscode.window.showInformationMessage(vscode.l10n.t('Agent Relay: cleared the response cache of this workspace.'));
  return true;
}

/** Runs a clear; a damaged cache layout (a file where a folder belongs, a planted link) is reported with the way out. */
async function clearing(clear: () => Promise<void>): Promise<boolean> {
  try {
    await clear();
    return true;
  } catch (err) {
    if (!(err instanceof RefusedPath)) throw err;
    const verify = vscode.l10n.t('Verify Cache');
    const choice = await vscode.window.showErrorMessage(vscode.l10n.t('Agent Relay: the cache folder is damaged (something is where a folder belongs), so nothing was cleared. Verify Cache repairs it.'), verify);
    if (choice === verify) void vscode.commands.executeCommand('agentRelay.verifyCache');
    return false;
  }
}

/** Clears every workspace's cache; asks first unless `confirmed` (tests, scripts). */
export async function clearAllCaches(relay: Relay, confirmed?: boolean): Promise<boolean> {
  const cache = await needCache(relay);
  if (!cache) return false;
  if (confirmed !== true) {
    const clearAll = vscode.l10n.t('Clear All');
    const ok = await vscode.window.showWarningMessage(vscode.l10n.t('Clear the Agent Relay response cache of every workspace?'), { modal: true }, clearAll);
    if (ok !== clearAll) return false;
  }
  if (!(await clearing(() => cache.clear()))) return false;
  void vscode.window.showInformationMessage(vscode.l10n.t('Agent Relay: cleared the response cache of every workspace.'));
  return true;
}

/** "Verify Cache": re-checks every entry's signature, removes bad ones, reports the counts. */
export async function verifyCache(relay: Relay): Promise<VerifyReport | undefined> {
  const cache = await needCache(relay);
  if (!cache) return undefined;
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Agent Relay: verifying the response cache…') }, () =>
    cache.verify(),
  );
  const parts = [
    vscode.l10n.t({ message: '{0} checked', args: [r.checked], comment: 'Number of cache entries checked' }),
    vscode.l10n.t({ message: '{0} valid', args: [r.valid], comment: 'Number of valid cache entries' }),
    vscode.l10n.t({ message: '{0} removed as invalid', args: [r.removed], comment: 'Number of cache entries removed' }),
    vscode.l10n.t({ message: '{0} expired removed', args: [r.expiredRemoved], comment: 'Number of expired cache entries removed' }),
  ];
  if (r.unverifiable) parts.push(vscode.l10n.t({ message: '{0} signed with another secret (left alone)', args: [r.unverifiable], comment: 'Number of cache entries kept' }));
  if (r.repaired.length) parts.push(vscode.l10n.t({ message: '{0} damaged places in the cache folder repaired', args: [r.repaired.length], comment: 'Number of files or folders repaired' }));
  if (r.skipped.length) parts.push(vscode.l10n.t({ message: '{0} left alone (links, or another user\'s; see the log)', args: [r.skipped.length], comment: 'Number of files skipped' }));
  if (r.repaired.length || r.skipped.length) relay.logs.root.info(`cache verify: repaired ${JSON.stringify(r.repaired)}; skipped ${JSON.stringify(r.skipped)}`);
  void vscode.window.showInformationMessage(vscode.l10n.t({ message: 'Agent Relay cache: {0}.', args: [parts.join(', ')], comment: '{0} is a comma-separated list of counts' }));
  return r;
}

/** The status bar item's menu. */
export async function cacheActions(relay: Relay): Promise<void> {
  const enabled = cacheSettings().enabled;
  const items = [
    { label: `$(graph) ${vscode.l10n.t('Show Cache Statistics')}`, command: 'agentRelay.cacheStats' },
    { label: `$(shield) ${vscode.l10n.t('Verify Cache')}`, command: 'agentRelay.verifyCache' },
    { label: `$(trash) ${vscode.l10n.t('Clear Workspace Cache')}`, command: 'agentRelay.clearWorkspaceCache' },
    { label: `$(clear-all) ${vscode.l10n.t('Clear All Caches')}`, command: 'agentRelay.clearAllCaches' },
    { label: enabled ? `$(circle-slash) ${vscode.l10n.t('Turn the Cache Off')}` : `$(check) ${vscode.l10n.t('Turn the Cache On')}`, toggle: true },
    { label: `$(gear) ${vscode.l10n.t('Cache Settings')}`, settings: true },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Agent Relay: Response Cache') });
  if (!pick) return;
  if ('command' in pick && pick.command) await vscode.commands.executeCommand(pick.command);
  else if ('toggle' in pick) await vscode.workspace.getConfiguration('agentRelay.cache').update('enabled', !enabled, vscode.ConfigurationTarget.Global);
  else if ('settings' in pick) await vscode.commands.executeCommand('workbench.action.openSettings', 'agentRelay.cache');
  void relay;
}
