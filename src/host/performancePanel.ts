// The Performance & Usage view: a webview (the run panel's CSP and theme) with
// charts of each run metric per agent per day and the cost ledger, from this
// workspace's run history, redrawn as the history changes.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { dailyPerformance } from '../core/metrics/performanceReport';
import { usageLedger } from '../core/metrics/usageLedger';
import { renderPerformanceHtml } from '../shared/panelHtml';
import { PERFORMANCE_VIEW_TYPE, type HostToWebview, type WebviewToHost } from '../shared/protocol';
import { panelResourceRoots } from './panelHtml';
import type { Relay } from './relay';
import { exportUsage } from './usage';

export class PerformancePanel implements vscode.Disposable {
  private static current: PerformancePanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;

  static show(relay: Relay): PerformancePanel {
    if (PerformancePanel.current) {
      PerformancePanel.current.panel.reveal();
      return PerformancePanel.current;
    }
    const panel = vscode.window.createWebviewPanel(PERFORMANCE_VIEW_TYPE, vscode.l10n.t('Agent Relay: Performance and Usage'), vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: panelResourceRoots(relay.context.extensionUri),
    });
    return (PerformancePanel.current = new PerformancePanel(panel, relay));
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly relay: Relay,
  ) {
    const ext = relay.context.extensionUri;
    panel.iconPath = vscode.Uri.joinPath(ext, 'media', 'icon.svg');
    panel.webview.html = renderPerformanceHtml({
      cspSource: panel.webview.cspSource,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(ext, 'dist', 'webview', 'performance.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(ext, 'media', 'panel.css')).toString(),
      nonce: randomBytes(16).toString('base64'),
    });
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: WebviewToHost) => {
        if (m?.type === 'ready') {
          this.ready = true;
          void this.post();
        } else if (m?.type === 'exportUsage') void exportUsage(relay);
      }),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      relay.onDidChangeHistory(() => void this.post()),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private async post(): Promise<void> {
    if (!this.ready) return;
    const records = (await this.relay.workspaceHistory().list()).records;
    const message: HostToWebview = { type: 'performance', daily: dailyPerformance(records), ledger: usageLedger(records), runs: records.length };
    await this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (PerformancePanel.current === this) PerformancePanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
