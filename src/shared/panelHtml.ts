/** What the run panel's HTML needs, resolved by the host to webview URIs. */
export interface PanelHtmlParts {
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  nonce: string;
  runId?: string;
}

/**
 * The one place run-panel HTML is built. `default-src 'none'`; the script runs
 * by nonce; no inline handlers, no eval, no remote content. Colours come from
 * the theme through `--vscode-*` variables in panel.css. Pure, so browser tests
 * load exactly this page.
 */
export function renderPanelHtml(p: PanelHtmlParts): string {
  return `${head(p, 'Agent Relay')}
<body data-run-id="${escapeAttr(p.runId ?? '')}">
<header id="header">
  <div class="title"><span id="agent"></span><span id="model"></span></div>
  <div id="prompt"></div>
  <div id="context"></div>
  <div id="cache" role="note"></div>
</header>
<div id="find" role="search" hidden>
  <input id="find-input" type="text" placeholder="Find" aria-label="Find in the transcript" spellcheck="false">
  <span id="find-count" aria-live="polite"></span>
  <button id="find-prev" type="button" title="Previous match (Shift+Enter)" aria-label="Previous match">↑</button>
  <button id="find-next" type="button" title="Next match (Enter)" aria-label="Next match">↓</button>
  <button id="find-close" type="button" title="Close (Escape)" aria-label="Close">✕</button>
</div>
<main id="transcript" role="log"></main>
<footer id="footer">
  <span id="status" role="status"></span>
  <span id="duration"></span>
  <span id="tokens"></span>
  <span id="cost"></span>
  <span class="spacer"></span>
  <button id="find-open" type="button" title="Find in the whole transcript (Ctrl+F)">Find</button>
  <button id="copy" type="button" title="Copy the whole answer, also the parts not on screen">Copy Answer</button>
  <button id="rerun" type="button" hidden title="Run the same prompt again, without looking in the response cache">Run Again Without Cache</button>
  <button id="cancel" type="button" title="Stop the agent and every process it started">Cancel</button>
</footer>
<form id="reply-form" hidden>
  <textarea id="reply" rows="2" placeholder="Follow up… (Enter sends, Shift+Enter for a new line)" aria-label="Follow-up to the agent" spellcheck="true"></textarea>
  <button id="send" type="submit" title="Send the follow-up as the next turn of this conversation (Enter)">Send</button>
  <div id="reply-note" role="status" aria-live="polite"></div>
</form>
<script nonce="${escapeAttr(p.nonce)}" src="${escapeAttr(p.scriptUri)}"></script>
</body>
</html>`;
}

/**
 * The compare panel's HTML: the same CSP and stylesheet as the run panel, a
 * summary table, and a column per agent (each one the run panel's transcript
 * view, drawn by the compare bundle).
 */
export function renderCompareHtml(p: PanelHtmlParts & { groupId: string }): string {
  return `${head(p, 'Agent Relay: compare')}
<body class="compare" data-group-id="${escapeAttr(p.groupId)}" data-run-id="${escapeAttr(p.groupId)}">
<header id="header">
  <div id="prompt"></div>
</header>
<section id="summary" aria-label="Summary">
  <table id="summary-table"><thead><tr><th></th><th>Agent</th><th>Status</th><th>First output</th><th>Time</th><th>Tokens in / out</th><th>Cost</th><th>Cache</th><th>Answer</th><th>Files changed</th></tr></thead><tbody></tbody></table>
  <div class="actions">
    <button id="compare" type="button" disabled title="Open the two ticked answers in VS Code's diff editor">Compare answers</button>
    <button id="rerun-failed" type="button" hidden title="Ask the agents whose runs did not succeed again">Re-run failed</button>
    <span id="legend">⚡ fastest · $ cheapest (of those that reported a cost)</span>
  </div>
</section>
<main id="columns"></main>
<script nonce="${escapeAttr(p.nonce)}" src="${escapeAttr(p.scriptUri)}"></script>
</body>
</html>`;
}

/** The Performance & Usage view: charts of each metric per agent per day, and the cost ledger. */
export function renderPerformanceHtml(p: PanelHtmlParts): string {
  return `${head(p, 'Agent Relay: performance and usage')}
<body class="performance" data-run-id="performance">
<header id="header">
  <div class="title"><span>Performance and usage</span><span id="runs-count"></span></div>
  <div class="controls">
    <label>Agent <select id="agent-select" aria-label="Agent"></select></label>
    <label>Metric <select id="metric-select" aria-label="Metric"></select></label>
    <button id="export" type="button" title="Write the ledger and the percentiles to a CSV or JSON file">Export…</button>
  </div>
</header>
<main>
  <section aria-label="Chart">
    <h2 id="chart-title"></h2>
    <div id="chart" role="img"></div>
    <p id="chart-legend"><span class="p50">p50</span> <span class="p95">p95</span> <span class="p99">p99</span> per day, from the run history (runs from the cache count only for the cache lookup)</p>
  </section>
  <section aria-label="Ledger">
    <h2>Tokens and cost per agent per day</h2>
    <p>Cost only where the agent reported it; runs that reported none are counted as such, never guessed. Answers from the cache are apart, as saved.</p>
    <table id="ledger"><thead><tr><th>Day</th><th>Agent</th><th>Runs</th><th>Tokens in / out</th><th>Cost reported</th><th>Without cost</th><th>From cache (saved)</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<script nonce="${escapeAttr(p.nonce)}" src="${escapeAttr(p.scriptUri)}"></script>
</body>
</html>`;
}

/** The document's start: `default-src 'none'`, styles and fonts from the webview's own source, the script by nonce. */
function head(p: PanelHtmlParts, title: string): string {
  const csp = ["default-src 'none'", `style-src ${p.cspSource}`, `img-src ${p.cspSource} data:`, `font-src ${p.cspSource}`, `script-src 'nonce-${p.nonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(p.styleUri)}">
<title>${title}</title>
</head>`;
}

function escapeAttr(value: string): string {
  return value.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
}
