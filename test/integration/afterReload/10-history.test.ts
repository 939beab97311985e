// After the window reloaded: the run the first phase left open is restored
// from the history (the window that ran it is gone), listed in the Runs view,
// and opened again from there.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, browser, closeAllEditors, requireBrowser } from '../suite/harness';
import { waitFor } from '../../support/processes';

const handoff = () => path.join(process.env.AGENT_RELAY_TEST_TMP!, 'before-reload.json');

describe('after a window reload', () => {
  let before: { id: string; prompt: string };

  beforeEach(function () {
    if (!existsSync(handoff())) {
      // Only a narrowed run (AGENT_RELAY_TEST_GREP) may leave out the first phase's test.
      if (process.env.AGENT_RELAY_TEST_GREP) this.skip();
      assert.fail('the first phase left no run for this one');
    }
    before = JSON.parse(readFileSync(handoff(), 'utf8'));
  });

  it('the restored panel reads its run from the history instead of saying it ended', async function () {
    requireBrowser(this);
    // The reload restored the panel's tab; it is drawn once it is the active tab of its group.
    const tabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => `${t.label}${t.isActive ? ' (active)' : ''}${t.input instanceof vscode.TabInputWebview ? ` [${t.input.viewType}]` : ''}`));
    assert.ok(await waitFor(() => tabs().some((t) => t.includes('Remember this run')), 60_000), `no restored run panel among the tabs: ${tabs().join(', ')}`);
    const text = await browser.waitForText(before.id, (t) => t.includes('Hello from the loopback model.'), 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\ntabs: ${tabs().join(', ')}`);
    });
    assert.doesNotMatch(text, /Ended when the window reloaded/);
    assert.equal((await browser.webview(before.id, { selector: '#status' })).text, 'Done');
    assert.equal((await browser.webview(before.id, { selector: '#prompt' })).text, before.prompt);
  });

  it('the Runs view lists the earlier run, and opening it shows its transcript', async function () {
    const v2 = (await api()).getApi(2);
    const summary = await v2.getRun(before.id);
    assert.ok(summary && summary.state === 'finished' && summary.status === 'succeeded', JSON.stringify(summary));
    assert.equal((await v2.readEvents(before.id))?.filter((e) => e.event.type === 'text').map((e) => e.event.type === 'text' && e.event.text).join(''), 'Hello from the loopback model.');
    if (!process.env.AGENT_RELAY_TEST_PROBE) return;
    await vscode.commands.executeCommand('agentRelay.runs.focus');
    let text = '';
    assert.ok(await waitFor(async () => (text = (await browser.workbench('.part.sidebar')).text ?? '').includes(before.prompt), 60_000, 200), `the Runs view shows:\n${text}`);
    await closeAllEditors();
    assert.ok(await waitFor(async () => !(await browser.webview(before.id)).found, 30_000));
    await vscode.commands.executeCommand('agentRelay.openRun', before.id);
    await browser.waitForText(before.id, (t) => t.includes('Hello from the loopback model.'), 60_000);
  });
});
