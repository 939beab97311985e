import * as vscode from 'vscode';
import { AgentsView } from './host/agentsView';
import { CacheStatusBar } from './host/cacheStatusBar';
import { CacheView } from './host/cacheView';
import { registerCommands } from './host/commands';
import { Relay } from './host/relay';
import { RunPanel } from './host/runPanel';
import { watchRuns } from './host/runWatchers';
import { RunsView } from './host/runsView';
import { AnswerDocuments } from './host/groups';
import { todaysSpend, UsageDocument, watchDegradations } from './host/usage';
import { createApi, type AgentRelayApi } from './host/api';
import { WorktreeService } from './host/worktreeService';
import { COMPARE_VIEW_TYPE, VIEW_TYPE, type PanelState } from './shared/protocol';
import { ComparePanel } from './host/comparePanel';

let relay: Relay | undefined;
/** Set by the bundle's first line (esbuild banner); absent when the sources run unbundled. */
declare const __agentRelayLoadedAt: number | undefined;

/** Registers contributions and returns. No file system scans, processes or network here. */
export function activate(context: vscode.ExtensionContext): AgentRelayApi {
  relay = new Relay(context);
  const r = relay;
  const runsView = (r.runsView = new RunsView(r));
  const runsTree = vscode.window.createTreeView('agentRelay.runs', { treeDataProvider: runsView, showCollapseAll: true });
  runsView.attach(runsTree);
  context.subscriptions.push(
    runsView,
    runsTree,
    ...registerCommands(r),
    // Several agents selected together run one prompt ("Run on Several Agents…").
    vscode.window.createTreeView('agentRelay.agents', { treeDataProvider: new AgentsView(r), canSelectMany: true }),
    vscode.workspace.registerTextDocumentContentProvider(AnswerDocuments.scheme, new AnswerDocuments(r)),
    vscode.window.registerTreeDataProvider('agentRelay.cache', new CacheView(r.cache)),
    new CacheStatusBar(r.cache, todaysSpend(r)),
    vscode.workspace.registerTextDocumentContentProvider(UsageDocument.scheme, new UsageDocument(r)),
    // The left side of a worktree's Review: files as the group's snapshot holds them.
    vscode.workspace.registerTextDocumentContentProvider(WorktreeService.snapshotScheme, { provideTextDocumentContent: (uri) => r.worktreesIfUsed?.snapshotText(uri) ?? '' }),
    watchRuns(r),
    watchDegradations(r),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PanelState | undefined) {
        await RunPanel.restore(panel, r, state);
      },
    }),
    vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        await ComparePanel.restore(panel, r, state);
      },
    }),
  );
  const api = createApi(r);
  if (typeof __agentRelayLoadedAt === 'number') r.logs.activated(Math.round((performance.now() - __agentRelayLoadedAt) * 10) / 10);
  return api;
}

/** Kills every agent process tree before the window goes, then lets the cache write its statistics. */
export function deactivate(): Promise<void> | undefined {
  const r = relay;
  relay = undefined;
  return r?.dispose();
}
