// The Runs view and the run history, in this window; the last file of the
// first phase, so the panel it leaves open is restored by the reload that
// follows (test/integration/afterReload).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AgentRelayApiV2 } from '../../../src/host/api';
import type { ModelServer } from '../../support/modelServer';
import { waitFor } from '../../support/processes';
import { api, browser, closeAllEditors, configureClaude, extension, requireBrowser, runAgent, startModelServer, within } from './harness';

const ROOT = path.resolve(__dirname, '../../../..');
export const HANDOFF = () => path.join(process.env.AGENT_RELAY_TEST_TMP!, 'before-reload.json');

describe('the Runs view and the run history', () => {
  let server: ModelServer;
  let v2: AgentRelayApiV2;
  let claudeHomeDir: string;
  const sidebar = async () => (await browser.workbench('.part.sidebar')).text ?? '';

  before(async () => {
    server = await startModelServer();
    claudeHomeDir = await configureClaude(server);
    v2 = (await api()).getApi(2);
    await closeAllEditors();
  });

  after(async () => server?.close());

  it('lists queued, running and finished runs (grouped by day) with their figures, read from the history', async function () {
    requireBrowser(this);
    await vscode.commands.executeCommand('agentRelay.runs.focus');
    const gate = server.gate('history-live');
    const live = await vscode.commands.executeCommand<string>('agentRelay.runAgent', 'claude', 'Runs view: still running GATE:history-live', { showPanel: false });
    await within(gate.reached, 120_000, 'the run never reached the model');
    let text = '';
    assert.ok(await waitFor(async () => /Queued and running[\s\S]*Runs view: still running/.test((text = await sidebar())), 60_000, 200), `the Runs view shows:\n${text}`);
    gate.release();
    assert.equal((await (await api()).getRun(live)!.done).status, 'succeeded');
    assert.ok(await waitFor(async () => /Today[\s\S]*Runs view: still running/.test((text = await sidebar())) && !/Queued and running/.test(text), 60_000, 200), `the Runs view shows:\n${text}`);
    const summary = await v2.getRun(live);
    assert.ok(summary && summary.state === 'finished' && summary.status === 'succeeded' && (summary.inputTokens ?? 0) > 0, JSON.stringify(summary));
  });

  it('copies a whole answer, filters by agent and status, and deletes a run from the history', async () => {
    const id = await runAgent('Runs view: copy and delete me');
    assert.equal((await (await api()).getRun(id)!.done).status, 'succeeded');
    assert.ok(await waitFor(async () => (await v2.getRun(id))?.state === 'finished', 30_000));
    await vscode.env.clipboard.writeText('');
    assert.equal(await vscode.commands.executeCommand('agentRelay.copyAnswer', id), 'Hello from the loopback model.');
    assert.equal(await vscode.env.clipboard.readText(), 'Hello from the loopback model.');

    await vscode.commands.executeCommand('agentRelay.filterRuns', { agents: ['codex'] });
    if (process.env.AGENT_RELAY_TEST_PROBE) {
      await vscode.commands.executeCommand('agentRelay.runs.focus');
      assert.ok(await waitFor(async () => !(await sidebar()).includes('copy and delete me'), 30_000), 'a filter on codex still shows claude runs');
      assert.match(await sidebar(), /filtered: codex/);
      await vscode.commands.executeCommand('agentRelay.filterRuns', { agents: ['claude'], statuses: ['succeeded'] });
      assert.ok(await waitFor(async () => (await sidebar()).includes('copy and delete me'), 30_000), 'a filter on claude and succeeded hides the run');
    }
    assert.ok((await v2.listRuns()).some((r) => r.id === id), 'the API lists runs whatever the view\'s filter');
    await vscode.commands.executeCommand('agentRelay.filterRuns', {});

    // Written by this window, read by a fresh headless process from the same storage.
    const storage = path.join(process.env.AGENT_RELAY_TEST_TMP!, 'user-data', 'User', 'globalStorage', extension().id);
    const cwd = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const cli = (args: string[]) => execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'runs', ...args, '--json', '--storage', storage, '--cwd', cwd], { encoding: 'utf8' });
    const listed = cli(['list']).trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(listed.some((r) => r.id === id && r.status === 'succeeded' && r.prompt === 'Runs view: copy and delete me'), 'runs list does not show the run VS Code wrote');
    const shown = cli(['show', id]).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(shown[0].record.id, id);
    assert.equal(shown.slice(1).filter((e) => e.event.type === 'text').map((e) => e.event.text).join(''), 'Hello from the loopback model.');

    assert.equal(await vscode.commands.executeCommand('agentRelay.deleteRun', id), true);
    assert.equal(await v2.getRun(id), undefined);
    assert.ok(!cli(['list']).includes(id), 'the deleted run is still in the history');
  });

  it('leaves a finished conversation\'s panel and a finished comparison open for the reload that follows', async function () {
    requireBrowser(this);
    await closeAllEditors();
    const prompt = 'Remember this run across the reload REMEMBER:saffron';
    const id = await runAgent(prompt);
    assert.equal((await (await api()).getRun(id)!.done).status, 'succeeded');
    const turn2 = await v2.followUp(id, 'Before the reload: RECALL');
    assert.equal(turn2.status, 'succeeded');
    await browser.waitForText(id, (t) => t.endsWith('You told me saffron.'), 60_000);
    await browser.waitForText(id, (t) => t === 'Done', 30_000, '#status');
    // The history has both turns before the window goes.
    assert.ok(await waitFor(async () => (await v2.getRun(turn2.id))?.state === 'finished' && (await v2.readEvents(turn2.id)) !== undefined && (await v2.readEvents(id)) !== undefined, 30_000));
    // A comparison of two agents, finished, in the same editor group: after the reload it is restored from the history.
    const config = vscode.workspace.getConfiguration('agentRelay');
    await config.update('anthropic.baseUrl', server.url, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('agentRelay.setApiKey', 'anthropic', 'sk-ant-loopback-test');
    const group = await vscode.commands.executeCommand<{ groupId: string; runIds: string[] }>('agentRelay.runOnSeveralAgents', 'claude,anthropic', undefined, 'Compare across the reload');
    assert.ok(group && group.runIds.length === 2, JSON.stringify(group));
    for (const runId of group.runIds) assert.equal((await (await api()).getRun(runId)!.done).status, 'succeeded');
    assert.ok(await waitFor(async () => (await Promise.all(group.runIds.map(async (r) => (await v2.readEvents(r)) !== undefined))).every(Boolean), 30_000), 'the group is not in the history');
    await browser.waitForText(group.groupId, (t) => (t.match(/succeeded/g) ?? []).length === 2, 60_000, '#summary-table tbody');
    // The conversation's panel is the active tab again (the next phase reads it first).
    await vscode.commands.executeCommand('agentRelay.openRun', id);
    await browser.waitForText(id, (t) => t.endsWith('You told me saffron.'), 60_000);
    writeFileSync(HANDOFF(), JSON.stringify({ id, prompt, claudeHome: claudeHomeDir, group }));
  });
});
