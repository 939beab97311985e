import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { RunHandle } from '../../../src/host/api';
import type { ModelServer } from '../../support/modelServer';
import { waitFor } from '../../support/processes';
import { api, browser, closeAllEditors, configureClaude, probeUrl, runAgent, startModelServer, within } from './harness';

/** Agent processes this extension host started: its children that lead their own process group (POSIX). */
function agentProcesses(marker: RegExp): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || Number(ppid) !== process.pid || Number(pgrp) !== Number(name)) continue;
      if (marker.test(readFileSync(`/proc/${name}/cmdline`, 'utf8'))) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

describe('the run queue', () => {
  let server: ModelServer;
  const config = () => vscode.workspace.getConfiguration('agentRelay');

  before(async () => {
    server = await startModelServer();
    await configureClaude(server);
    await config().update('run.maxConcurrent', 2, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    for (const key of ['run.maxConcurrent', 'anthropic.baseUrl']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('agentRelay.setApiKey', 'anthropic', '');
    await closeAllEditors();
    await server?.close();
  });

  it('runs at most agentRelay.run.maxConcurrent real CLIs at once; a queued run cancelled never starts', async function () {
    const relay = await api();
    const claude = /claude/;
    const gates = [1, 2, 3, 4, 5].map((i) => server.gate(`queue-${i}`));
    const handles: RunHandle[] = [];
    for (const i of [1, 2, 3, 4, 5]) {
      // The fourth run opens its panel, to see its place in the line.
      const id = await vscode.commands.executeCommand<string>('agentRelay.runAgent', 'claude', `Run number ${i}. GATE:queue-${i}`, { showPanel: i === 4 });
      handles.push(relay.getRun(id)!);
    }
    const check = () => {
      const running = handles.filter((h) => h.state === 'running').length;
      const procs = agentProcesses(claude).length;
      assert.ok(running <= 2, `${running} runs running at once`);
      assert.ok(procs <= 2, `${procs} agent processes alive at once`);
    };
    await within(Promise.all([gates[0].reached, gates[1].reached]), 120_000, 'the first two runs never reached the model');
    check();
    assert.deepEqual(handles.map((h) => h.state), ['running', 'running', 'queued', 'queued', 'queued']);
    if (probeUrl) assert.match(await browser.waitForText(handles[3].id, (t) => t.startsWith('Queued'), 30_000, '#status'), /^Queued \(2nd in line\)$/);

    // Cancel the fifth while it waits: it ends at once and never starts a process.
    handles[4].cancel();
    const cancelled = await handles[4].done;
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(handles[4].pid, undefined);

    // The third starts only when one of the first two is released.
    assert.equal(handles[2].state, 'queued');
    check();
    gates[0].release();
    assert.equal((await handles[0].done).status, 'succeeded');
    await within(gates[2].reached, 120_000, 'the third run never started after the first finished');
    check();
    if (probeUrl) await browser.waitForText(handles[3].id, (t) => t === 'Queued (next in line)', 30_000, '#status');
    gates[1].release();
    await within(gates[3].reached, 120_000, 'the fourth run never started');
    check();
    if (probeUrl) await browser.waitForText(handles[3].id, (t) => t === 'Running…', 30_000, '#status');
    gates[2].release();
    gates[3].release();
    const outcomes = await Promise.all(handles.map((h) => h.done));
    assert.deepEqual(outcomes.map((o) => o.status), ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'cancelled']);
    assert.equal(server.messageRequests().filter((r) => JSON.stringify(r.body).includes('GATE:queue-5')).length, 0, 'the cancelled run reached the model');
    assert.ok(await waitFor(() => agentProcesses(claude).length === 0, 30_000), `left behind: ${agentProcesses(claude)}`);
  });

  it('retries a 529 with Retry-After once, after the wait, and says so in the panel', async () => {
    await vscode.commands.executeCommand('agentRelay.setApiKey', 'anthropic', 'sk-ant-queue-test');
    await config().update('anthropic.baseUrl', server.url, vscode.ConfigurationTarget.Global);
    const marker = 'FLAKY:panel-529:1:529 RETRY_AFTER:1';
    const runId = await runAgent(`Hello ${marker}`, 'anthropic');
    const handle = (await api()).getRun(runId)!;
    const outcome = await handle.done;
    assert.equal(outcome.status, 'succeeded', outcome.message);
    const reqs = server.messageRequests('anthropic').filter((r) => JSON.stringify(r.body).includes(marker));
    assert.equal(reqs.length, 2, 'exactly one retry');
    assert.ok(reqs[1].at - reqs[0].at >= 1000, `retried after ${reqs[1].at - reqs[0].at} ms`);
    if (probeUrl) {
      const text = await browser.waitForText(runId, (t) => t.includes('Hello from the loopback model.'));
      assert.match(text, /Retrying in 1 s \(attempt 2 of 3\): 529 overloaded/);
      await browser.waitForText(runId, (t) => t === 'Done', 30_000, '#status');
    }
  });
});
