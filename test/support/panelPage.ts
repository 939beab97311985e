// The run panel's webview bundle served to real Chromium outside VS Code: the
// exact HTML the host builds, with a stand-in for acquireVsCodeApi that
// records what the panel posts and saves. For browser tests and benchmarks.
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { SeqEvent } from '../../src/core/agents/events';
import { eventBatches } from '../../src/shared/eventBatches';
import { renderCompareHtml, renderPerformanceHtml, renderPanelHtml } from '../../src/shared/panelHtml';
import type { HostToWebview, PanelState, WebviewToHost } from '../../src/shared/protocol';

const ROOT = path.resolve(__dirname, '../../..');
export const PANEL_RUN_ID = 'run-1234';
export const COMPARE_GROUP_ID = 'group-1';

/** Serves the panel page and the built bundle and stylesheet on a loopback port. */
export async function panelServer(runId = PANEL_RUN_ID, root = ROOT): Promise<{ server: http.Server; origin: string }> {
  let origin = '';
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/favicon.ico') return res.writeHead(204).end();
    if (url === '/performance') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(renderPerformanceHtml({ cspSource: origin, scriptUri: `${origin}/dist/webview/performance.js`, styleUri: `${origin}/media/panel.css`, nonce: 'bm9uY2U=' }));
    }
    if (url === '/compare') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(renderCompareHtml({ cspSource: origin, scriptUri: `${origin}/dist/webview/compare.js`, styleUri: `${origin}/media/panel.css`, nonce: 'bm9uY2U=', groupId: COMPARE_GROUP_ID }));
    }
    if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(renderPanelHtml({ cspSource: origin, scriptUri: `${origin}/dist/webview/panel.js`, styleUri: `${origin}/media/panel.css`, nonce: 'bm9uY2U=', runId }));
    }
    let body: Buffer;
    try {
      body = readFileSync(path.join(root, path.normalize(url).replace(/^(\.\.[/\\])+/, '')));
    } catch {
      return res.writeHead(404).end();
    }
    res.writeHead(200, { 'content-type': url.endsWith('.css') ? 'text/css' : 'text/javascript' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, origin };
}

/** Opens the panel in a browser context of its own, with an optional saved state. */
export async function openPanel(browser: Browser, origin: string, state?: PanelState, opts: { viewport?: { width: number; height: number }; initScript?: string; path?: string } = {}) {
  const viewport = opts.viewport ?? { width: 1000, height: 800 };
  const context = await browser.newContext({ viewport });
  const page: Page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.addInitScript(`
    window.__sent = [];
    window.__state = ${JSON.stringify(state ?? null)};
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => window.__sent.push(m),
      getState: () => window.__state ?? undefined,
      setState: (s) => { window.__state = s; },
    });
    ${opts.initScript ?? ''}`);
  await page.goto(origin + (opts.path ?? ''));
  const post = (msg: HostToWebview) => page.evaluate(`window.postMessage(${JSON.stringify(msg)}, '*')`);
  const w = {
    errors,
    sent: () => page.evaluate('window.__sent') as Promise<WebviewToHost[]>,
    post,
    /** Posts events the way the host does: in bounded messages, in order. */
    postAll: async (events: SeqEvent[], maxEvents?: number, runId = PANEL_RUN_ID) => {
      for (const batch of eventBatches(events, maxEvents)) await post({ type: 'events', runId, events: batch });
    },
    text: (sel = '#transcript') => page.evaluate(`document.querySelector(${JSON.stringify(sel)}).innerText`) as Promise<string>,
    /** Two animation frames: what was posted has been drawn. */
    settle: () => page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))'),
  };
  return { page, w };
}
