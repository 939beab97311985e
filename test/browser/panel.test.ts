// The run panel's webview bundle in real Chromium, outside VS Code: the exact
// HTML the host builds, with a stand-in for acquireVsCodeApi, so the resume
// protocol, restore from saved state and rendering can be checked directly.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { AgentEvent, SeqEvent } from '../../src/core/agents/events';
import { renderPanelHtml } from '../../src/shared/panelHtml';
import type { HostToWebview, PanelState, RunInfo, WebviewToHost } from '../../src/shared/protocol';
import { launchChromium } from '../support/chromium';
import { waitFor } from '../support/processes';

const ROOT = path.resolve(__dirname, '../../..');
const RUN = 'run-1234';
const INFO: RunInfo = { runId: RUN, agentId: 'claude', agentName: 'Claude Code', prompt: 'Explain', createdAt: Date.now(), startedAt: Date.now(), state: 'running' };

function seq(events: AgentEvent[], from = 1): SeqEvent[] {
  return events.map((event, i) => ({ seq: from + i, at: i, event }));
}

describe('run panel webview in Chromium', function () {
  this.timeout(60_000);
  let browser: Browser;
  let server: http.Server;
  let origin: string;
  let page: Page;

  before(async () => {
    server = http.createServer((req, res) => {
      const url = req.url ?? '/';
      if (url === '/favicon.ico') return res.writeHead(204).end();
      if (url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(renderPanelHtml({ cspSource: origin, scriptUri: `${origin}/dist/webview/panel.js`, styleUri: `${origin}/media/panel.css`, nonce: 'bm9uY2U=', runId: RUN }));
      }
      let body: Buffer;
      try {
        body = readFileSync(path.join(ROOT, path.normalize(url).replace(/^(\.\.[/\\])+/, '')));
      } catch {
        return res.writeHead(404).end();
      }
      res.writeHead(200, { 'content-type': url.endsWith('.css') ? 'text/css' : 'text/javascript' });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });
  afterEach(async () => page?.close());

  /** Opens the panel with an optional saved state; returns helpers to talk to it as the host would. */
  async function open(state?: PanelState) {
    page = await browser.newPage();
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
      });`);
    await page.goto(origin);
    const sent = () => page.evaluate('window.__sent') as Promise<WebviewToHost[]>;
    const post = (msg: HostToWebview) => page.evaluate(`window.postMessage(${JSON.stringify(msg)}, '*')`);
    const text = (sel = '#transcript') => page.evaluate(`document.querySelector(${JSON.stringify(sel)}).innerText`) as Promise<string>;
    const settle = () => page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    return { sent, post, text, settle, errors };
  }

  it('says ready with the run id and seq 0, then renders events in order, dropping duplicates', async () => {
    const w = await open();
    assert.deepEqual(await w.sent(), [{ type: 'ready', runId: RUN, afterSeq: 0 }]);
    await w.post({ type: 'attach', run: INFO });
    const events = seq([{ type: 'started', agentId: 'claude', model: 'claude-x', agentVersion: '2.1.197' }, { type: 'text', text: 'Hello ' }, { type: 'text', text: '**world**' }]);
    await w.post({ type: 'events', runId: RUN, events });
    await w.post({ type: 'events', runId: RUN, events: events.slice(1) }); // a replay overlapping what it has
    await w.settle();
    assert.equal(await w.text(), 'Hello world');
    assert.equal(await page.locator('#transcript strong').count(), 1);
    assert.equal(await w.text('#model'), 'claude-x · v2.1.197');
    assert.equal(await w.text('#status'), 'Running…');
    assert.deepEqual(w.errors, []);
  });

  it('asks again from the last seq it has when it sees a gap', async () => {
    const w = await open();
    await w.post({ type: 'attach', run: INFO });
    await w.post({ type: 'events', runId: RUN, events: seq([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }]) });
    await w.post({ type: 'events', runId: RUN, events: seq([{ type: 'text', text: 'e' }], 5) });
    await w.settle();
    assert.deepEqual((await w.sent()).at(-1), { type: 'ready', runId: RUN, afterSeq: 2 });
    assert.equal(await w.text(), 'ab');
  });

  it('restores a saved transcript at once and resumes after its last seq', async () => {
    const first = await open();
    await first.post({ type: 'attach', run: INFO });
    await first.post({
      type: 'events',
      runId: RUN,
      events: seq([{ type: 'text', text: 'Before ' }, { type: 'tool-use', id: 't1', name: 'Bash', input: { command: 'echo hi' } }, { type: 'tool-result', toolUseId: 't1', output: 'hi', isError: false }]),
    });
    await first.settle();
    // (waitForFunction would need eval, which the panel's CSP rightly forbids.)
    assert.ok(await waitFor(async () => (await page.evaluate('window.__state?.lastSeq')) === 3, 30_000), 'state was not saved');
    const saved = (await page.evaluate('window.__state')) as PanelState;
    await page.close();

    const w = await open(saved);
    await w.settle();
    assert.match(await w.text(), /Before\s+✓Bash: echo hi/);
    assert.deepEqual(await w.sent(), [{ type: 'ready', runId: RUN, afterSeq: 3 }]);
    await w.post({ type: 'events', runId: RUN, events: seq([{ type: 'text', text: 'after.' }, { type: 'done', outcome: { status: 'succeeded', durationMs: 1500 } }], 4) });
    await w.settle();
    assert.match(await w.text(), /after\.$/);
    assert.equal(await w.text('#status'), 'Done');
    assert.equal(await page.locator('#cancel').isVisible(), false);
  });

  it('after a reload without its run, keeps what it had and says the run ended', async () => {
    const w = await open({ runId: RUN, lastSeq: 1, run: INFO, transcript: { items: [{ kind: 'text', text: 'kept' }] } });
    await w.post({ type: 'runUnavailable', runId: RUN });
    await w.settle();
    assert.equal(await w.text(), 'kept');
    assert.equal(await w.text('#status'), 'Ended when the window reloaded');
    assert.equal(await page.locator('#cancel').isVisible(), false);
  });

  it('the Cancel button asks the host to cancel', async () => {
    const w = await open();
    await w.post({ type: 'attach', run: INFO });
    await w.settle();
    await page.click('#cancel');
    assert.deepEqual((await w.sent()).at(-1), { type: 'cancel', runId: RUN });
    assert.equal(await w.text('#cancel'), 'Cancelling…');
  });

  it('Run Again Without Cache is offered for a cached answer this window can start again, and asks once per click', async () => {
    const w = await open();
    await w.post({ type: 'attach', run: { ...INFO, state: 'finished', canRerun: true } });
    await w.post({ type: 'events', runId: RUN, events: seq([{ type: 'cache', status: 'hit', ageMs: 1000 }, { type: 'text', text: 'cached' }, { type: 'done', outcome: { status: 'succeeded', durationMs: 1, fromCache: true } }]) });
    await w.settle();
    assert.equal(await page.locator('#rerun:not([hidden])').count(), 1);
    await page.click('#rerun');
    await page.locator('#rerun').dispatchEvent('click'); // a second, fast click on the disabled button
    assert.equal((await w.sent()).filter((m) => m.type === 'rerunWithoutCache').length, 1, 'two clicks, two billed runs');
    assert.equal(await page.locator('#rerun[disabled]').count(), 1);

    await page.close();
    const other = await open();
    await other.post({ type: 'attach', run: { ...INFO, state: 'finished', canRerun: false } });
    await other.post({ type: 'events', runId: RUN, events: seq([{ type: 'done', outcome: { status: 'succeeded', durationMs: 1, fromCache: true } }]) });
    await other.settle();
    assert.equal(await page.locator('#rerun:not([hidden])').count(), 0, 'offered although this window cannot start the run again');
  });

  it('shows HTML and script in agent output and tool input as text; nothing runs', async () => {
    const w = await open();
    await w.post({ type: 'attach', run: INFO });
    await w.post({
      type: 'events',
      runId: RUN,
      events: seq([
        { type: 'text', text: '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> [x](javascript:window.__pwned=3)\n\n' },
        { type: 'tool-use', id: 't', name: '<b>Bash</b>', input: { command: '<img src=y onerror="window.__pwned=4">' } },
        { type: 'tool-result', toolUseId: 't', output: '<script>window.__pwned=5</script>', isError: false },
      ]),
    });
    await w.settle();
    await page.click('details.tool summary');
    assert.equal(await page.locator('#transcript img, #transcript script, #transcript b, #transcript a[href^="javascript"]').count(), 0);
    assert.match(await w.text(), /<img src=x onerror=/);
    assert.match(await w.text(), /<script>window.__pwned=5<\/script>/);
    assert.equal(await page.evaluate('window.__pwned ?? null'), null);
  });

  it('keeps only web and mail links live: command:, vscode:, vscode-webview:, file: and relative links are text', async () => {
    const w = await open();
    await w.post({ type: 'attach', run: INFO });
    const dangerous = ['command:workbench.action.terminal.new', 'vscode:extension/x.y', 'vscode-webview://abc/index.html', 'file:///etc/passwd', 'src/app.ts', 'COMMAND:x', ' command:y'];
    await w.post({
      type: 'events',
      runId: RUN,
      events: seq([
        { type: 'text', text: `${dangerous.map((u, i) => `[bad${i}](${u})`).join(' ')}\n\n[web](https://example.com/a) [mail](mailto:a@example.com) plain https://example.org/b\n\n` },
      ]),
    });
    await w.settle();
    const hrefs = (await page.evaluate('[...document.querySelectorAll("#transcript a")].map((a) => a.getAttribute("href"))')) as string[];
    assert.deepEqual(hrefs, ['https://example.com/a', 'mailto:a@example.com', 'https://example.org/b']);
    for (let i = 0; i < dangerous.length; i++) assert.match(await w.text(), new RegExp(`\\[bad${i}\\]`), 'a refused link still shows as its text');
  });

  it('a burst of 20,000 deltas in one message ends up complete and in order', async () => {
    const w = await open();
    await w.post({ type: 'attach', run: INFO });
    const parts = Array.from({ length: 20_000 }, (_, i) => (i % 50 === 49 ? `w${i}\n\n` : `w${i} `));
    await w.post({ type: 'events', runId: RUN, events: seq(parts.map((text) => ({ type: 'text', text }))) });
    await w.settle();
    const shown = (await w.text()).replace(/\s+/g, ' ').trim();
    assert.equal(shown, parts.join('').replace(/\s+/g, ' ').trim());
    assert.deepEqual(w.errors, []);
  });
});
