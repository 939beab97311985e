// One prompt, several agents in VS Code ("Run on Several Agents…"): the four
// real CLIs and the Anthropic API with agentRelay.run.maxConcurrent 5, all
// held at one gate of the loopback model server, so all five are shown to
// run at once; then the group's summary, its one entry in the Runs view, and
// two answers in VS Code's diff editor.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ModelServer } from '../../support/modelServer';
import { waitFor } from '../../support/processes';
import { api, browser, closeAllEditors, configureAgent, startModelServer } from './harness';

describe('one prompt, several agents', () => {
  let server: ModelServer;
  const config = () => vscode.workspace.getConfiguration('agentRelay');
  const AGENTS = ['claude', 'codex', 'gemini', 'opencode', 'anthropic'];

  before(async () => {
    server = await startModelServer();
    await configureAgent('claude', server);
    await configureAgent('codex', server);
    await configureAgent('gemini', server);
    await configureAgent('opencode', server, { 'opencode.model': 'sonnet' });
    await config().update('anthropic.baseUrl', server.url, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('agentRelay.setApiKey', 'anthropic', 'sk-ant-loopback-test');
    await config().update('run.maxConcurrent', 5, vscode.ConfigurationTarget.Global);
    await closeAllEditors();
  });
  after(async () => {
    for (const key of ['run.maxConcurrent', 'anthropic.baseUrl', 'claude.permissionMode']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('agentRelay.setApiKey', 'anthropic', '');
    await closeAllEditors();
    await server?.close();
  });

  it('runs five agents at once under the queue, lists the group once in the Runs view, and compares two answers in the diff editor', async () => {
    const gate = server.gate('several-vs');
    const group = await vscode.commands.executeCommand<{ groupId: string; runIds: string[] }>('agentRelay.runOnSeveralAgents', AGENTS.join(','), undefined, 'Compare us. GATE:several-vs');
    assert.ok(group && group.runIds.length === 5, JSON.stringify(group));
    const v1 = await api();
    const handles = group.runIds.map((id) => v1.getRun(id)!);
    // Every agent's request is held at the server while all five runs are running: they run at once.
    const held = () => {
      const r = server.messageRequests().filter((q) => JSON.stringify(q.body ?? {}).includes('GATE:several-vs'));
      return r.filter((q) => q.wire === 'anthropic').length >= 3 && r.some((q) => q.wire === 'openai-responses') && r.some((q) => q.wire === 'gemini');
    };
    assert.ok(await waitFor(held, 120_000), `not all agents reached the model: ${server.messageRequests().map((q) => q.wire).join(', ')}`);
    const v2 = v1.getApi(2);
    const states = await Promise.all(group.runIds.map(async (id) => (await v2.getRun(id))?.state));
    assert.deepEqual(states, AGENTS.map(() => 'running'));
    const column = (i: number, sel = '.column-transcript') => browser.webview(group.groupId, { selector: `.column[data-run-id="${group.runIds[i]}"] ${sel}` });
    if (process.env.AGENT_RELAY_TEST_PROBE) {
      // The compare panel: a column per agent, streaming at once. The agents that stream deltas show the
      // text before the gate while the model holds the rest (Codex and OpenCode show whole items only).
      for (const i of [0, 2, 4]) {
        let last = '';
        assert.ok(await waitFor(async () => (last = (await column(i)).text ?? '').includes('Alpha Beta Gamma'), 60_000, 200), `column ${AGENTS[i]} shows: ${last}`);
      }
      for (let i = 0; i < 5; i++) assert.match((await column(i, '.column-status')).text ?? '', /^Running…/);
    }
    gate.release();
    const outcomes = await Promise.all(handles.map((h) => h.done));
    assert.deepEqual(outcomes.map((o) => o.status), AGENTS.map(() => 'succeeded'), JSON.stringify(outcomes.map((o) => o.message)));
    for (const id of group.runIds) {
      const text = ((await v2.readEvents(id)) ?? []).flatMap((e) => (e.event.type === 'text' ? [e.event.text] : [])).join('');
      assert.match(text, /Delta: released\.$/, `${id}: ${text}`);
    }
    if (process.env.AGENT_RELAY_TEST_PROBE) {
      // Every column has its whole answer, and the summary table a row per agent, filled in.
      for (let i = 0; i < 5; i++) {
        let last = '';
        assert.ok(await waitFor(async () => (last = (await column(i)).text ?? '').endsWith('Delta: released.'), 60_000, 200), `column ${AGENTS[i]} shows: ${last}`);
      }
      let table = '';
      assert.ok(await waitFor(async () => ((table = (await browser.webview(group.groupId, { selector: '#summary-table tbody' })).text ?? '').match(/succeeded/g) ?? []).length === 5, 60_000, 200), table);
      assert.match(table, /⚡/);
      await vscode.commands.executeCommand('agentRelay.runs.focus');
      assert.ok(await waitFor(async () => /Compare us\. GATE:several-vs[\s\S]{0,200}5 agents/.test((await browser.workbench('.part.sidebar')).text ?? ''), 60_000, 200), (await browser.workbench('.part.sidebar')).text);
    }
    assert.equal(await vscode.commands.executeCommand('agentRelay.compareAnswers', group.runIds[0], group.runIds[4]), true);
    const diff = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputTextDiff && t.input.original.scheme === 'agent-relay-answer');
    assert.ok(await waitFor(() => diff() !== undefined, 30_000), 'no diff editor of two answers');
    const input = diff()!.input as vscode.TabInputTextDiff;
    assert.equal((await vscode.workspace.openTextDocument(input.original)).getText(), 'Alpha Beta Gamma Delta: released.');
    assert.match(diff()!.label, /Claude Code ↔ Anthropic API/);
  });

  it('refuses a group with an agent in a mode that may edit files, and starts nothing', async () => {
    await config().update('claude.permissionMode', 'acceptEdits', vscode.ConfigurationTarget.Global);
    const before = (await (await api()).getApi(2).listRuns()).length;
    const started = await vscode.commands.executeCommand('agentRelay.runOnSeveralAgents', 'claude,anthropic', undefined, 'Edit something');
    assert.equal(started, undefined);
    assert.equal((await (await api()).getApi(2).listRuns()).length, before);
  });
});
