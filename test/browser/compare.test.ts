// The compare panel's webview bundle in real Chromium, with a stand-in host:
// a column per agent (the run panel's own transcript view, scrolled in its
// column), the summary table, and what its buttons ask of the host.
import * as assert from 'node:assert/strict';
import type * as http from 'node:http';
import type { Browser, Page } from 'playwright-core';
import type { AgentEvent, SeqEvent } from '../../src/core/agents/events';
import type { GroupRow } from '../../src/core/run/groupSummary';
import type { RunInfo } from '../../src/shared/protocol';
import { launchChromium } from '../support/chromium';
import { COMPARE_GROUP_ID, openPanel, panelServer } from '../support/panelPage';

const seq = (events: AgentEvent[]): SeqEvent[] => events.map((event, i) => ({ seq: i + 1, at: i, event }));
const info = (runId: string, agentName: string, state: RunInfo['state'] = 'running'): RunInfo => ({ runId, agentId: agentName.toLowerCase(), agentName, prompt: 'Compare us', createdAt: 0, startedAt: Date.now(), state });
const row = (agentName: string, over: Partial<GroupRow> = {}): GroupRow => ({ agentId: agentName.toLowerCase(), agentName, status: 'succeeded', fromCache: false, answerChars: 5, durationMs: 1000, ...over });

describe('compare panel webview in Chromium', function () {
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

  it('draws a column per agent, streams each, fills the summary, and asks the host to compare two ticked answers', async () => {
    const opened = await openPanel(browser, origin, undefined, { path: '/compare' });
    page = opened.page;
    const w = opened.w;
    assert.deepEqual(await w.sent(), [{ type: 'ready', runId: COMPARE_GROUP_ID, afterSeq: 0 }]);
    await w.post({ type: 'group', groupId: COMPARE_GROUP_ID, prompt: 'Compare us <b>now</b>', columns: [info('a', 'Claude'), info('b', 'Codex'), info('c', 'Gemini')], summary: [row('Claude', { status: 'running' }), row('Codex', { status: 'running' }), row('Gemini', { status: 'running' })] });
    await w.post({ type: 'events', runId: 'a', events: seq([{ type: 'text', text: 'Answer **A**' }]) });
    await w.post({ type: 'events', runId: 'b', events: seq([{ type: 'text', text: 'Answer B' }]) });
    await w.settle();
    assert.equal(await page.locator('.column').count(), 3);
    assert.equal(await w.text('.column[data-run-id="a"] .column-transcript'), 'Answer A');
    assert.equal(await page.locator('.column[data-run-id="a"] strong').count(), 1);
    assert.equal(await w.text('#prompt'), 'Compare us <b>now</b>', 'the prompt is text');

    // Finished: the summary marks the fastest; one failed, so Re-run failed is offered.
    await w.post({ type: 'events', runId: 'a', events: seq([{ type: 'text', text: 'Answer **A**' }, { type: 'done', outcome: { status: 'succeeded', durationMs: 900 } }]) });
    await w.post({ type: 'group', groupId: COMPARE_GROUP_ID, prompt: 'Compare us', columns: [info('a', 'Claude', 'finished'), info('b', 'Codex', 'finished'), info('c', 'Gemini', 'finished')], summary: [row('Claude', { durationMs: 900, fastest: true, costUsd: 0.01, cheapest: true }), row('Codex'), row('Gemini', { status: 'failed', message: 'HTTP 500' })] });
    await w.settle();
    assert.match(await w.text('#summary-table tbody'), /Claude ⚡ \$\s+succeeded[\s\S]*0\.9 s[\s\S]*\$0\.0100[\s\S]*Gemini\s+failed/);
    assert.equal(await page.locator('#rerun-failed').isVisible(), true);
    assert.match(await w.text('.column[data-run-id="a"] .column-status'), /^Done/);
    assert.equal(await page.locator('.column[data-run-id="a"] button:has-text("Cancel")').isVisible(), false);

    assert.equal(await page.locator('#compare').isDisabled(), true);
    const ticks = page.locator('#summary-table tbody input[type=checkbox]');
    await ticks.nth(0).check();
    await ticks.nth(1).check();
    await page.click('#compare');
    await page.click('#rerun-failed');
    await page.locator('.column[data-run-id="b"] button:has-text("Open")').click();
    // It keeps its group for a reload; a group restored from the history offers no Re-run.
    assert.deepEqual(await page.evaluate('window.__state'), { groupId: COMPARE_GROUP_ID });
    await w.post({ type: 'group', groupId: COMPARE_GROUP_ID, prompt: 'Compare us', columns: [info('a', 'Claude', 'finished'), info('b', 'Codex', 'finished'), info('c', 'Gemini', 'finished')], summary: [row('Claude'), row('Codex'), row('Gemini', { status: 'failed' })], canRerun: false });
    await w.settle();
    assert.equal(await page.locator('#rerun-failed').isVisible(), false);
    const sent = (await w.sent()).slice(1);
    assert.deepEqual(sent, [
      { type: 'compareAnswers', runIds: ['a', 'b'] },
      { type: 'rerunFailed', groupId: COMPARE_GROUP_ID },
      { type: 'openRun', runId: 'b' },
    ]);
    // Maximise shows one column; again shows all.
    await page.locator('.column[data-run-id="c"] button[title^="Maximise"]').click();
    assert.deepEqual(await Promise.all(['a', 'b', 'c'].map((id) => page.locator(`.column[data-run-id="${id}"]`).isVisible())), [false, false, true]);
    await page.locator('.column[data-run-id="c"] button[title^="Maximise"]').click();
    assert.equal(await page.locator('.column:visible').count(), 3);
    assert.deepEqual(w.errors, []);
  });

  it('a column of 20,000 lines keeps a bounded DOM and follows its own end', async () => {
    const opened = await openPanel(browser, origin, undefined, { path: '/compare', viewport: { width: 1200, height: 800 } });
    page = opened.page;
    const w = opened.w;
    await w.post({ type: 'group', groupId: COMPARE_GROUP_ID, prompt: 'Long', columns: [info('a', 'Claude'), info('b', 'Codex')], summary: [] });
    const lines = Array.from({ length: 20_000 }, (_, i) => ({ type: 'text' as const, text: `Line ${i + 1} of the long answer.\n\n` }));
    await w.postAll(seq(lines), 2000, 'a');
    await w.settle();
    await w.settle();
    const nodes = (await page.evaluate('document.querySelectorAll(".column[data-run-id=\\"a\\"] .column-transcript *").length')) as number;
    assert.ok(nodes < 2000, `${nodes} nodes in the column`);
    const atEnd = (await page.evaluate('(() => { const b = document.querySelector(".column[data-run-id=\\"a\\"] .column-body"); return b.scrollTop + b.clientHeight >= b.scrollHeight - 40; })()')) as boolean;
    assert.equal(atEnd, true, 'the column does not follow its end');
    assert.match(await w.text('.column[data-run-id="a"] .column-transcript'), /Line 20000 of the long answer\.$/);
    assert.deepEqual(w.errors, []);
  });
});
