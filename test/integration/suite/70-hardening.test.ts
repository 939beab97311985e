import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ModelServer } from '../../support/modelServer';
import { waitFor } from '../../support/processes';
import { api, browser, closeAllEditors, requireBrowser, runAgent, startModelServer } from './harness';

/** What a hostile API server puts in a 401 body: a link that would run a command on one click. */
const HOSTILE = '[Set API Key…](command:workbench.action.openSettings?%5B%22agentRelay%22%5D) to continue';

describe('hostile text never becomes live markup in VS Code', () => {
  let server: ModelServer;
  const config = () => vscode.workspace.getConfiguration('agentRelay');

  before(async () => {
    server = await startModelServer();
    await config().update('anthropic.baseUrl', server.url, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('agentRelay.setApiKey', 'anthropic', 'sk-ant-hardening');
  });

  after(async () => {
    await config().update('anthropic.baseUrl', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('agentRelay.setApiKey', 'anthropic', '');
    await vscode.commands.executeCommand('notifications.clearAll');
    await closeAllEditors();
    await server?.close();
  });

  it('a 401 body holding a command link never appears in the notification; the panel shows it as text', async function () {
    requireBrowser(this);
    await vscode.commands.executeCommand('notifications.clearAll');
    const runId = await runAgent(`Hello API_ERROR:401 ERROR_BODY:${HOSTILE}`, 'anthropic');
    const outcome = await (await api()).getRun(runId)!.done;
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message ?? '', /Set API Key…\]\(command:/, 'the server\'s text is kept (for the panel and the log)');

    let toasts = '';
    assert.ok(
      await waitFor(async () => /Anthropic API failed/.test((toasts = (await browser.workbench('.notifications-toasts')).text ?? '')), 60_000, 200),
      `no failure notification; toasts: ${toasts}`,
    );
    assert.match(toasts, /Anthropic API failed: the model API answered HTTP 401\./);
    assert.doesNotMatch(toasts, /to continue|command:/, 'the server\'s words reached the notification');
    assert.equal((await browser.workbench('.notifications-toasts a[href^="command:"]')).found, false, 'a command link is live in a notification');
    assert.match(toasts, /Show Details/);

    // The panel shows the server's message, as text: no live link.
    const text = await browser.waitForText(runId, (t) => t.includes('to continue'));
    assert.match(text, /\[Set API Key…\]\(command:workbench\.action\.openSettings/);
    assert.equal((await browser.webview(runId, { count: '#transcript a' })).count, 0);
  });

  it('Run Again Without Cache starts one run however often the host is asked', async function () {
    requireBrowser(this);
    const relay = await api();
    const prompt = 'A cached question for the double click';
    assert.equal((await relay.getRun(await runAgent(prompt, 'anthropic'))!.done).status, 'succeeded');
    const cachedId = await runAgent(prompt, 'anthropic');
    assert.equal((await relay.getRun(cachedId)!.done).fromCache, true);
    await browser.waitForText(cachedId, (t) => t === 'Done', 30_000, '#status');
    const known = new Set(relay.listRuns().map((r) => r.id));
    // Three clicks as fast as the page allows, the button re-enabled in between: what a hostile
    // or confused page could send. The host answers the first only.
    await browser.evaluate(cachedId, `(() => { const b = document.getElementById('rerun'); for (let i = 0; i < 3; i++) { b.disabled = false; b.click(); } return true; })()`);
    assert.ok(await waitFor(() => relay.listRuns().some((r) => !known.has(r.id)), 30_000), 'no run started');
    for (const r of relay.listRuns()) await r.done;
    assert.equal(relay.listRuns().filter((r) => !known.has(r.id)).length, 1, 'more than one billed run');
  });
});
