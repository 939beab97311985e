import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { renderPanelHtml } from '../shared/panelHtml';

/** The only folders a run panel may load from: the built webview bundle and media. */
export function panelResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

/** The run panel's HTML for this webview, with a fresh nonce. */
export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri, runId?: string): string {
  return renderPanelHtml({
    cspSource: webview.cspSource,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'panel.js')).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.css')).toString(),
    nonce: randomBytes(16).toString('base64'),
    runId,
  });
}
