// The run panel's webview bundle in real Chromium, outside VS Code: the exact
// HTML the host builds, with a stand-in for acquireVsCodeApi, so the resume
// protocol, restore after a reload, rendering and the virtualised transcript
// (find, copy, scrolling) can be checked directly.
import * as assert from 'node:assert/strict';
import type * as http from 'node:http';
import type { Browser, Page } from 'playwright-core';
import type { AgentEvent, SeqEvent } from '../../src/core/agents/events';
import type { PanelState, RunInfo } from '../../src/shared/protocol';
import { bigAnswer } from '../support/bigAnswer';
import { launchChromium } from '../support/chromium';
import { openPanel, PANEL_RUN_ID, panelServer } from '../support/panelPage';
import { waitFor } from '../support/processes';

const RUN = PANEL_RUN_ID;
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
    ({ server, origin } = await panelServer());
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });
  afterEach(async () => page?.context().close());

  /** Opens the panel with an optional saved state; returns helpers to talk to it as the host would. */
  async function open(state?: PanelState) {
    const opened = await openPanel(browser, origin, state);
    page = opened.page;
    return opened.w;
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
    // (Acks of what it drew come and go beside it.)
    assert.deepEqual((await w.sent()).filter((m) => m.type !== 'drawn').at(-1), { type: 'ready', runId: RUN, afterSeq: 2 });
    assert.equal(await w.text(), 'ab');
  });

  it('acks each frame that drew new events with the last seq and a wall-clock stamp (forwarding latency)', async () => {
    const w = await open();
    await w.post({ type: 'attach', run: INFO });
    const before = (await page.evaluate('performance.timeOrigin + performance.now()')) as number;
    await w.post({ type: 'events', runId: RUN, events: seq([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }, { type: 'text', text: 'c' }]) });
    await w.settle();
    const acks = (await w.sent()).filter((m): m is Extract<typeof m, { type: 'drawn' }> => m.type === 'drawn');
    assert.ok(acks.length >= 1, JSON.stringify(await w.sent()));
    const last = acks.at(-1)!;
    assert.equal(last.seq, 3);
    assert.equal(last.runId, RUN);
    assert.ok(last.at >= before && last.at < before + 60_000, `stamp ${last.at} against ${before}`);
    // Nothing new drawn: no new ack.
    await w.settle();
    assert.equal((await w.sent()).filter((m) => m.type === 'drawn').length, acks.length);
  });

  it('a restored panel saves only its run and place, asks for every event again, and shows them', async () => {
    const first = await open();
    await first.post({ type: 'attach', run: INFO });
    await first.post({
      type: 'events',
      runId: RUN,
      events: seq([{ type: 'text', text: 'Before ' }, { type: 'tool-use', id: 't1', name: 'Bash', input: { command: 'echo hi' } }, { type: 'tool-result', toolUseId: 't1', output: 'hi', isError: false }]),
    });
    await first.settle();
    // (waitForFunction would need eval, which the panel's CSP rightly forbids.)
    assert.ok(await waitFor(async () => (await page.evaluate('window.__state?.runId')) === RUN, 30_000), 'state was not saved');
    const saved = (await page.evaluate('window.__state')) as PanelState;
    assert.deepEqual(Object.keys(saved).sort(), ['anchor', 'run', 'runId'].filter((k) => k in saved).sort());
    assert.ok(JSON.stringify(saved).length < 1024, `saved state of ${JSON.stringify(saved).length} bytes`);
    await page.close();

    const w = await open(saved);
    await w.settle();
    assert.deepEqual(await w.sent(), [{ type: 'ready', runId: RUN, afterSeq: 0 }]);
    await w.post({ type: 'attach', run: INFO });
    await w.post({
      type: 'events',
      runId: RUN,
      events: seq([
        { type: 'text', text: 'Before ' },
        { type: 'tool-use', id: 't1', name: 'Bash', input: { command: 'echo hi' } },
        { type: 'tool-result', toolUseId: 't1', output: 'hi', isError: false },
        { type: 'text', text: 'after.' },
        { type: 'done', outcome: { status: 'succeeded', durationMs: 1500 } },
      ]),
    });
    await w.settle();
    assert.match(await w.text(), /Before\s+✓Bash: echo hi\s+after\.$/);
    assert.equal(await w.text('#status'), 'Done');
    assert.equal(await page.locator('#cancel').isVisible(), false);
  });

  it('a run the host and the history no longer hold: the panel says so and offers no Cancel', async () => {
    const w = await open({ runId: RUN, run: INFO });
    await w.post({ type: 'runUnavailable', runId: RUN });
    await w.settle();
    assert.equal(await w.text('#status'), 'No longer in the run history');
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

  it('a conversation: turns in order with their footers; the reply box sends on Enter, Shift+Enter is a new line, and waits while a turn runs', async () => {
    const w = await open();
    const finished: RunInfo = { ...INFO, state: 'finished', turns: 1, reply: { enabled: true } };
    await w.post({ type: 'attach', run: finished });
    await w.post({ type: 'events', runId: RUN, events: seq([{ type: 'text', text: 'First answer.' }, { type: 'usage', inputTokens: 10, outputTokens: 3 }, { type: 'done', outcome: { status: 'succeeded', durationMs: 1200 } }]) });
    await w.settle();
    assert.equal(await page.locator('#reply-form').isVisible(), true);
    const box = page.locator('#reply');
    await box.click();
    await page.keyboard.type('line one');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('<b>line two</b>');
    assert.equal((await w.sent()).filter((m) => m.type === 'reply').length, 0, 'Shift+Enter sent the reply');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter'); // a second Enter before the turn began sends nothing more
    const replies = (await w.sent()).filter((m) => m.type === 'reply');
    assert.deepEqual(replies, [{ type: 'reply', runId: RUN, text: 'line one\n<b>line two</b>' }]);
    assert.equal(await box.isDisabled(), true);

    // The host starts the turn: its marker, then its events, numbered after the first turn's.
    await w.post({ type: 'state', run: { ...finished, state: 'running', turns: 2, reply: { enabled: false, reason: 'Wait for this turn to finish (or cancel it).' } } });
    await w.post({ type: 'events', runId: RUN, events: seq([{ type: 'turn', turn: 2, prompt: 'line one\n<b>line two</b>', note: 'continued in a new session' } as unknown as AgentEvent, { type: 'text', text: 'Second answer.' }], 4) });
    await w.settle();
    assert.equal(await box.inputValue(), '', 'the box is emptied once the turn began');
    assert.equal(await box.isDisabled(), true, 'typing is possible while a turn runs');
    assert.equal(await page.locator('#cancel').isVisible(), true);
    assert.equal(await w.text('#status'), 'Running…');
    assert.equal(await page.locator('.turn-prompt b').count(), 0, "the user's words are shown as text");
    assert.equal(await w.text('.turn-prompt'), 'line one\n<b>line two</b>');
    assert.match(await w.text('.turn-footer'), /^Done · 1\.2 s · 10 in · 3 out/);
    assert.match(await w.text(), /First answer\.[\s\S]*Done[\s\S]*You · turn 2[\s\S]*continued in a new session[\s\S]*Second answer\.$/);

    await w.post({ type: 'events', runId: RUN, events: seq([{ type: 'done', outcome: { status: 'succeeded', durationMs: 5 } }], 6) });
    await w.post({ type: 'state', run: { ...finished, turns: 2, reply: { enabled: true } } });
    await w.settle();
    assert.equal(await box.isDisabled(), false);
    // A refusal keeps what was typed and says why.
    await box.fill('third');
    await page.keyboard.press('Enter');
    await w.post({ type: 'replyRefused', runId: RUN, message: 'Claude Code no longer has this conversation\'s session.' });
    await w.settle();
    assert.equal(await box.inputValue(), 'third');
    assert.equal(await w.text('#reply-note'), "Claude Code no longer has this conversation's session.");
    assert.deepEqual(w.errors, []);
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
    await w.settle(); // the opened call is drawn again with its body
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
    // Only rows near the viewport are drawn; what is drawn is the end, in order, and Copy Answer has it all.
    const shown = (await w.text()).replace(/\s+/g, ' ').trim();
    assert.ok(parts.join('').replace(/\s+/g, ' ').trim().endsWith(shown), 'the drawn rows are not the end of the answer, in order');
    assert.match(shown, /w19999$/);
    assert.deepEqual(w.errors, []);
  });
});

describe('run panel webview with a transcript of 100,000 lines', function () {
  this.timeout(180_000);
  let browser: Browser;
  let server: http.Server;
  let origin: string;
  let page: Page;
  let w: Awaited<ReturnType<typeof openPanel>>["w"];
  const answer = bigAnswer({ lines: 100_000 });

  before(async () => {
    ({ server, origin } = await panelServer());
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });
  beforeEach(async () => {
    ({ page, w } = await openPanel(browser, origin));
    await w.post({ type: 'attach', run: { ...INFO, state: 'finished' } });
    await w.postAll(seq(answer.events));
    await w.settle();
  });
  afterEach(async () => page?.context().close());

  const nodes = () => page.evaluate('document.getElementsByTagName("*").length') as Promise<number>;
  const scrollY = () => page.evaluate('window.scrollY') as Promise<number>;
  /** The first drawn line at the viewport's top, as text. */
  const topText = () =>
    page.evaluate(`(() => {
      const header = document.getElementById('header').getBoundingClientRect().bottom;
      const el = document.elementFromPoint(40, Math.max(header, 0) + 12);
      return el ? el.textContent.slice(0, 80) : '';
    })()`) as Promise<string>;

  it('draws a few thousand nodes at most, follows the end, and scrolling to the top shows the first line', async () => {
    assert.ok((await nodes()) < 5000, `${await nodes()} DOM nodes`);
    assert.match(await w.text(), /step 19; ?\s*$|step 19/);
    await page.evaluate('window.scrollTo(0, 0)');
    await w.settle();
    await w.settle();
    assert.match(await w.text(), /^Section 0/);
    assert.ok((await nodes()) < 5000, `${await nodes()} DOM nodes at the top`);
  });

  it('finds a word in a part never drawn, scrolls to it and highlights it', async () => {
    const needle = answer.needle(Math.floor(answer.sections / 3));
    assert.doesNotMatch(await w.text(), new RegExp(needle), 'the needle is drawn already');
    await page.keyboard.press('Control+f');
    await page.keyboard.type(needle);
    assert.ok(await waitFor(async () => (await w.text('#find-count')) === '1 of 1', 10_000), `the counter says ${await w.text('#find-count')}`);
    assert.ok(
      await waitFor(async () => (await page.evaluate('CSS.highlights.get("relay-find") ? [...CSS.highlights.get("relay-find")][0].toString() : ""')) === needle, 10_000),
      'the match is not highlighted',
    );
    const rect = (await page.evaluate('(() => { const r = [...CSS.highlights.get("relay-find")][0].getBoundingClientRect(); return { top: r.top, bottom: r.bottom }; })()')) as { top: number; bottom: number };
    const height = (await page.evaluate('window.innerHeight')) as number;
    assert.ok(rect.top >= 0 && rect.bottom <= height, `the match is at ${rect.top}-${rect.bottom} of ${height}`);
    assert.match(await w.text(), new RegExp(needle));
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('#find').isVisible(), false);
  });

  it('Copy Answer asks the host for the whole answer, once per click', async () => {
    await page.click('#copy');
    assert.deepEqual((await w.sent()).filter((m) => m.type === 'copyAnswer'), [{ type: 'copyAnswer', runId: RUN }]);
    assert.equal(await w.text('#copy'), 'Copied');
  });

  it('streaming while the user has scrolled up does not move their view', async () => {
    const live = await openPanel(browser, origin);
    const p2 = live.page;
    await live.w.post({ type: 'attach', run: INFO });
    const half = Math.floor(answer.events.length / 2);
    await live.w.postAll(seq(answer.events.slice(0, half - 2)));
    await live.w.settle();
    await p2.evaluate('window.scrollTo(0, document.documentElement.scrollHeight / 3)');
    await live.w.settle();
    await live.w.settle();
    const y = (await p2.evaluate('window.scrollY')) as number;
    const before = (await p2.evaluate('document.elementFromPoint(40, 200)?.textContent?.slice(0, 80) ?? ""')) as string;
    await live.w.postAll(seq(answer.events.slice(half - 2), half - 1));
    await live.w.settle();
    await live.w.settle();
    assert.equal(await p2.evaluate('window.scrollY'), y, 'the view moved');
    assert.equal(await p2.evaluate('document.elementFromPoint(40, 200)?.textContent?.slice(0, 80) ?? ""'), before);
    await p2.context().close();
  });

  it('restored after a reload, it draws the same place of the same transcript from what the host sends', async () => {
    await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight / 2)');
    await w.settle();
    await w.settle();
    const y = await scrollY();
    const before = await topText();
    assert.ok(before.trim().length > 0, 'nothing at the top of the viewport');
    assert.ok(await waitFor(async () => ((await page.evaluate('window.__state?.anchor?.row ?? -1')) as number) > 0, 10_000), 'the place was not saved');
    const saved = (await page.evaluate('window.__state')) as PanelState;
    assert.ok(JSON.stringify(saved).length < 4096, `saved state of ${JSON.stringify(saved).length} bytes`);
    const again = await openPanel(browser, origin, saved);
    assert.deepEqual(await again.w.sent(), [{ type: 'ready', runId: RUN, afterSeq: 0 }]);
    await again.w.post({ type: 'attach', run: { ...INFO, state: 'finished' } });
    await again.w.postAll(seq(answer.events));
    await again.w.settle();
    await again.w.settle();
    // The same row at the same place in the viewport (the scroll offset itself may differ: rows above it not drawn in this page are estimates).
    assert.ok(((await again.page.evaluate('window.scrollY')) as number) > 0, `not scrolled (it was at ${y})`);
    const p1 = page;
    page = again.page;
    assert.equal(await topText(), before);
    page = p1;
    await again.page.context().close();
  });
});
