import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** The only folders a run panel may load from: the built webview bundle and media. */
export function panelResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

/**
 * The one place run-panel HTML is built. `default-src 'none'`; the script runs
 * by nonce; no inline handlers, no eval, no remote content. Colours come from
 * the theme through `--vscode-*` variables in panel.css.
 */
export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri, runId?: string): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'panel.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Agent Relay</title>
</head>
<body data-run-id="${escapeAttr(runId ?? "")}">
<header id="header">
  <div class="title"><span id="agent"></span><span id="model"></span></div>
  <div id="prompt"></div>
  <div id="context"></div>
</header>
<main id="transcript" aria-live="polite"></main>
<footer id="footer">
  <span id="status" role="status"></span>
  <span id="duration"></span>
  <span id="tokens"></span>
  <span id="cost"></span>
  <span class="spacer"></span>
  <button id="cancel" type="button" title="Stop the agent and every process it started">Cancel</button>
</footer>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

function escapeAttr(value: string): string {
  return value.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
}
