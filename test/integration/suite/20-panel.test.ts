import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ModelServer } from '../../support/modelServer';
import { waitFor } from '../../support/processes';
import { api, browser, closeAllEditors, configureClaude, requireBrowser, runAgent, startModelServer, within } from './harness';

describe('the run panel', () => {
  let server: ModelServer;

  before(async () => {
    server = await startModelServer();
    await configureClaude(server);
  });

  after(async () => {
    await closeAllEditors();
    await server?.close();
  });

  async function openSample(column: vscode.ViewColumn): Promise<vscode.TextEditor> {
    const [folder] = vscode.workspace.workspaceFolders!;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'src', 'greet.js'));
    return vscode.window.showTextDocument(doc, { viewColumn: column, preview: false });
  }

  it('loses nothing while hidden: the webview catches up when shown again', async function () {
    requireBrowser(this);
    await closeAllEditors();
    await openSample(vscode.ViewColumn.One);
    const gate = server.gate('hidden');
    const runId = await runAgent('GATE:hidden');
    const run = (await api()).getRun(runId)!;
    await within(gate.reached, 60_000, 'the model server never received the request');
    await browser.waitForText(runId, (t) => t.includes('Alpha Beta Gamma'));

    // Cover the panel with an editor in its group: VS Code tears the webview down.
    const [folder] = vscode.workspace.workspaceFolders!;
    const readme = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'README.md'));
    await vscode.window.showTextDocument(readme, { viewColumn: vscode.ViewColumn.Two, preview: false });
    assert.ok(await waitFor(async () => !(await browser.webview(runId)).found, 30_000), 'the webview stayed alive while hidden');

    gate.release();
    assert.equal((await run.done).status, 'succeeded');

    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    const text = await browser.waitForText(runId, (t) => t.includes('Delta: released.'));
    assert.match(text, /Alpha Beta Gamma Delta: released\./);
    await browser.waitForText(runId, (t) => t === 'Done', 30_000, '#status');
  });

  it('acks what it drew: every event forwarded live gets a forwarding latency', async function () {
    requireBrowser(this);
    await closeAllEditors();
    const gate = server.gate('acked');
    const runId = await runAgent('GATE:acked');
    const run = (await api()).getRun(runId)!;
    await within(gate.reached, 60_000, 'the model server never received the request');
    await browser.waitForText(runId, (t) => t.includes('Alpha Beta Gamma'));
    // The panel is drawing now: everything after the gate is forwarded to it live.
    const beforeRelease = run.events().length;
    gate.release();
    assert.equal((await run.done).status, 'succeeded');
    await browser.waitForText(runId, (t) => t === 'Done', 30_000, '#status');
    const total = run.events().length;
    let f = run.metrics().forwarding;
    // The ack of the last frame may still be on its way.
    assert.ok(await waitFor(async () => (f = run.metrics().forwarding) !== undefined && f.count >= total - beforeRelease, 30_000), `forwarding: ${JSON.stringify(f)}, ${total - beforeRelease} events after the gate`);
    assert.ok(f!.count <= total, `${f!.count} latencies for ${total} events`);
    assert.ok(f!.p50 >= 0 && f!.p50 <= f!.p95 && f!.p95 <= f!.p99 && f!.p99 <= f!.max, JSON.stringify(f));
    assert.ok(run.metrics().firstOutputMs !== undefined);
  });

  it('a long answer: the panel draws a bounded part of it, and Copy Answer puts all of it on the clipboard', async function () {
    requireBrowser(this);
    this.timeout(300_000);
    await closeAllEditors();
    const paragraphs = 3000;
    const runId = await runAgent(`LONG_OUTPUT:${paragraphs}`);
    const run = (await api()).getRun(runId)!;
    assert.equal((await within(run.done, 240_000, 'the long run did not finish')).status, 'succeeded');
    await browser.waitForText(runId, (t) => t === 'Done', 60_000, '#status');
    const answer = Array.from({ length: paragraphs }, (_, i) => `Line ${i + 1}: the quick brown fox.\n\n`).join('');
    const nodes = (await browser.evaluate(runId, 'document.getElementsByTagName("*").length')) as number;
    assert.ok(nodes < 5000, `the panel holds ${nodes} DOM nodes for ${paragraphs} paragraphs`);
    await browser.waitForText(runId, (t) => t.includes(`Line ${paragraphs}: the quick brown fox.`));
    await vscode.env.clipboard.writeText('');
    await browser.click(runId, '#copy');
    let copied = '';
    assert.ok(await waitFor(async () => (copied = await vscode.env.clipboard.readText()).length > 0, 30_000), 'nothing reached the clipboard');
    assert.equal(copied.length, answer.length);
    assert.equal(copied, answer);
  });

  it('runs from the command palette with the selection attached', async function () {
    requireBrowser(this);
    await closeAllEditors();
    const editor = await openSample(vscode.ViewColumn.One);
    editor.selection = new vscode.Selection(1, 0, 4, 0); // lines 2-4: the function
    const relay = await api();
    const known = new Set(relay.listRuns().map((r) => r.id));
    const before = server.messageRequests().length;

    // Each key goes in only once the quick input that should take it has the focus.
    const quickInput = '.quick-input-widget';
    const focusedRow = `${quickInput} .monaco-list-row.focused`;
    await browser.press('F1');
    await browser.waitForWorkbench(`${quickInput} .quick-input-box input:focus`, 'the command palette did not open');
    // With the ellipsis: without it, "Run Agent Without Cache…" comes first.
    await browser.type('Agent Relay: Run Agent…');
    await browser.waitForWorkbench(focusedRow, 'the palette did not offer Run Agent…', (t) => /^Agent Relay: Run Agent…(\n|$)/.test(t));
    await browser.press('Enter');
    await browser.waitForWorkbench(`${quickInput} input[placeholder="Which agent?"]:focus`, 'the agent quick pick did not open');
    await browser.type('Claude Code');
    await browser.waitForWorkbench(focusedRow, 'the agent quick pick did not offer Claude Code', (t) => t.includes('Claude Code'));
    await browser.press('Enter');
    await browser.waitForWorkbench(`${quickInput} input[placeholder="What should Claude Code do?"]:focus`, 'the prompt box did not open');
    await browser.type('Explain this function');
    await browser.press('Enter');

    let runId: string | undefined;
    assert.ok(
      await waitFor(() => (runId = relay.listRuns().find((r) => !known.has(r.id))?.id) !== undefined, 30_000),
      'the palette flow did not start a run',
    );
    const outcome = await relay.getRun(runId!)!.done;
    assert.equal(outcome.status, 'succeeded', outcome.message);
    const text = await browser.waitForText(runId!, (t) => t.includes('Hello from the loopback model.'));
    assert.ok(text);
    const header = await browser.webview(runId!, { selector: '#context' });
    assert.equal(header.text, '+ src/greet.js:2-4');

    const sent = JSON.stringify(server.messageRequests().slice(before).map((r) => r.body.messages));
    assert.match(sent, /Explain this function/);
    assert.match(sent, /function greet\(name\)/, 'the selection was not attached to the prompt');
  });
});
