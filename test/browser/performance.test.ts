// The Performance & Usage view's webview bundle in real Chromium, under its
// CSP, with a stand-in host: charts of a seeded history's daily percentiles,
// the ledger, escaping, and the export request.
import * as assert from 'node:assert/strict';
import type * as http from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { dailyPerformance } from '../../src/core/metrics/performanceReport';
import { usageLedger } from '../../src/core/metrics/usageLedger';
import { HISTORY_SCHEMA, type HistoryRecord } from '../../src/core/history/historyRecord';
import { launchChromium } from '../support/chromium';
import { openPanel, panelServer } from '../support/panelPage';

const DAY = 24 * 3600_000;
let n = 0;
function rec(agentId: string, day: number, firstOutputMs: number, extra: Partial<HistoryRecord> = {}): HistoryRecord {
  n++;
  return { schema: HISTORY_SCHEMA, id: `r${n}`, agentId, agentName: agentId, prompt: 'p', fullPrompt: 'p', cwd: '/w', status: 'succeeded', createdAt: 0, finishedAt: Date.UTC(2026, 10, 20) + day * DAY + 3600_000, durationMs: 1, answerChars: 1, events: 1, inputTokens: 10, outputTokens: 5, costUsd: 0.01, metrics: { firstOutputMs, queueWaitMs: 2 }, ...extra };
}

describe('performance and usage webview in Chromium', function () {
  this.timeout(60_000);
  let browser: Browser;
  let server: http.Server;
  let origin: string;
  let page: Page;
  before(async () => {
    ({ server, origin } = await panelServer());
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });
  afterEach(async () => page?.context().close());

  it('charts p50/p95/p99 per day for the chosen agent and metric, lists the ledger, and asks the host to export', async () => {
    const opened = await openPanel(browser, origin, undefined, { path: '/performance' });
    page = opened.page;
    const w = opened.w;
    assert.deepEqual(await w.sent(), [{ type: 'ready', runId: 'performance', afterSeq: 0 }]);
    const records = [
      ...[100, 200, 300].map((ms) => rec('claude', 0, ms)),
      ...[400, 500].map((ms) => rec('claude', 1, ms)),
      rec('claude', 2, 900),
      rec('<img src=x onerror=window.__pwned=1>', 2, 50, { agentName: '<b>evil</b>' }),
    ];
    await w.post({ type: 'performance', daily: dailyPerformance(records, 0), ledger: usageLedger(records, 0), runs: records.length });
    await w.settle();
    assert.equal(await page.locator('#agent-select').inputValue(), '<img src=x onerror=window.__pwned=1>', 'agents sorted: the odd id sorts first');
    await page.locator('#agent-select').selectOption('claude');
    await w.settle();
    assert.equal(await page.locator('#metric-select').inputValue(), 'firstOutputMs');
    assert.equal(await page.locator('#chart-title').innerText(), 'claude: First output (ms)');
    // Three series, a point per day each; the points' titles carry the day's figures.
    assert.equal(await page.locator('#chart polyline').count(), 3);
    const titles = await page.locator('#chart circle.p99 title').allTextContents();
    assert.deepEqual(titles, ['2026-11-20 p99 300 (3 runs)', '2026-11-21 p99 500 (2 runs)', '2026-11-22 p99 900 (1 runs)']);
    const p50 = await page.locator('#chart circle.p50 title').allTextContents();
    assert.deepEqual(p50.map((t) => t.split(' ')[2]), ['200', '400', '900']);
    // Another metric redraws.
    await page.locator('#metric-select').selectOption('queueWaitMs');
    assert.equal(await page.locator('#chart-title').innerText(), 'claude: Queue wait (ms)');
    // The ledger, names as text.
    const ledger = await page.locator('#ledger tbody').innerText();
    assert.match(ledger, /2026-11-20\s+claude\s+3\s+30 \/ 15\s+\$0\.03/);
    assert.match(ledger, /<b>evil<\/b>/);
    assert.equal(await page.locator('#ledger b, #chart img, img').count(), 0);
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    await page.locator('#export').click();
    assert.deepEqual((await w.sent()).at(-1), { type: 'exportUsage' });
    assert.deepEqual(w.errors, [], 'script errors or CSP violations');
  });

  it('says so when there is nothing measured yet', async () => {
    const opened = await openPanel(browser, origin, undefined, { path: '/performance' });
    page = opened.page;
    await opened.w.post({ type: 'performance', daily: [], ledger: [], runs: 0 });
    await opened.w.settle();
    assert.equal(await page.locator('#chart-title').innerText(), 'No measured runs yet');
    assert.equal(await page.locator('#chart svg').count(), 0);
    assert.deepEqual(opened.w.errors, []);
  });
});
