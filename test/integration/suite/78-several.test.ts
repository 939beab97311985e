// One prompt, several agents in VS Code ("Run on Several Agents…"): the four
// real CLIs and the Anthropic API with agentRelay.run.maxConcurrent 5, all
// held at one gate of the loopback model server, so all five are shown to
// run at once; then the group's summary, its one entry in the Runs view, and
// two answers in VS Code's diff editor.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
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
    // The API says which group and column each run is.
    const summaries = await Promise.all(group.runIds.map((id) => v2.getRun(id)));
    assert.deepEqual(summaries.map((s) => [s?.groupId, s?.groupIndex]), group.runIds.map((_, i) => [group.groupId, i]));
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

  it('runs agents in edit modes each in its own git worktree; the columns Review, Apply (a conflict changes nothing) and Discard', async function () {
    await configureAgent('codex', server, { 'codex.permissionMode': 'workspace-write' });
    await configureAgent('opencode', server, { 'opencode.model': 'sonnet', 'opencode.permissionMode': 'build' });
    const [folder] = vscode.workspace.workspaceFolders!;
    const notes = path.join(folder.uri.fsPath, 'notes.txt');
    const group = await vscode.commands.executeCommand<{ groupId: string; runIds: string[] }>('agentRelay.runOnSeveralAgents', 'codex,opencode', undefined, 'RUN_TOOL: run echo from-{wire} > notes.txt');
    assert.ok(group && group.runIds.length === 2, JSON.stringify(group));
    try {
      const v1 = await api();
      const outcomes = await Promise.all(group.runIds.map((id) => v1.getRun(id)!.done));
      assert.deepEqual(outcomes.map((o) => o.status), ['succeeded', 'succeeded'], JSON.stringify(outcomes.map((o) => o.message)));
      assert.equal(existsSync(notes), false, 'an agent wrote into the workspace itself');
      if (!process.env.AGENT_RELAY_TEST_PROBE) return;
      const bar = (i: number) => `.column[data-run-id="${group.runIds[i]}"] .column-worktree`;
      const barText = async (i: number) => (await browser.webview(group.groupId, { selector: bar(i) })).text ?? '';
      for (const i of [0, 1]) {
        let last = '';
        assert.ok(await waitFor(async () => /1 file changed, \+1 −0 in its worktree/.test((last = await barText(i))), 60_000, 200), `column ${i}: ${last}`);
      }
      let table = '';
      assert.ok(await waitFor(async () => /succeeded[\s\S]*\b1\s*$/m.test((table = (await browser.webview(group.groupId, { selector: '#summary-table tbody' })).text ?? '')), 30_000, 200), table);

      await browser.click(group.groupId, `${bar(0)} button[data-action="review"]`);
      assert.ok(await waitFor(() => vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => /Changes of codex/.test(t.label)), 30_000), 'Review opened no changes editor');
      // The changes editor covers the compare panel: close it, and the panel is drawn again.
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      assert.ok(await waitFor(async () => /1 file changed/.test(await barText(0)), 60_000, 200), 'the compare panel did not come back');

      await browser.click(group.groupId, `${bar(0)} button[data-action="apply"]`);
      assert.ok(await waitFor(() => existsSync(notes), 30_000), 'Apply wrote nothing');
      assert.equal(readFileSync(notes, 'utf8'), 'from-openai-responses\n');
      assert.ok(await waitFor(async () => /Applied to the working tree/.test(await barText(0)), 30_000, 200));

      await browser.click(group.groupId, `${bar(1)} button[data-action="apply"]`);
      let conflict = '';
      assert.ok(await waitFor(async () => /Nothing was applied: .*notes\.txt/.test((conflict = await barText(1))), 30_000, 200), conflict);
      assert.equal(readFileSync(notes, 'utf8'), 'from-openai-responses\n', 'a conflicting Apply changed the file');

      await browser.click(group.groupId, `${bar(1)} button[data-action="discard"]`);
      assert.ok(await waitFor(async () => /Discarded/.test(await barText(1)), 30_000, 200));
      const branches = execFileSync('git', ['branch', '--list', 'agent-relay/*'], { cwd: folder.uri.fsPath, encoding: 'utf8' });
      assert.equal(branches.trim(), '', 'a branch of the group is left');
    } finally {
      rmSync(notes, { force: true });
      for (const key of ['codex.permissionMode', 'opencode.permissionMode']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
