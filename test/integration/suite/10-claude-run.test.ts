import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelServer } from '../../support/modelServer';
import { processesInGroup, waitFor } from '../../support/processes';
import { api, browser, closeAllEditors, configureClaude, requireBrowser, runAgent, startModelServer, within } from './harness';

describe('Run Agent with the real Claude Code CLI', function () {
  let server: ModelServer;

  before(async () => {
    server = await startModelServer();
    await configureClaude(server);
  });

  after(async () => {
    await closeAllEditors();
    await server?.close();
  });

  it('finds the pinned claude on PATH and reports its version', async () => {
    const d = await (await api()).detect('claude');
    assert.equal(d.found, true, d.message);
    assert.equal(d.foundBy, 'PATH');
    const expected = process.env.AGENT_RELAY_TEST_CLAUDE_VERSION ?? '2.1.197';
    assert.match(d.version ?? '', new RegExp(`^${expected.replace(/\./g, '\\.')} \\(Claude Code\\)`));
  });

  it('streams deltas into the webview before the answer is complete', async function () {
    requireBrowser(this);
    const gate = server.gate('stream');
    const runId = await runAgent('Tell me a story. GATE:stream');
    const run = (await api()).getRun(runId)!;
    await within(gate.reached, 60_000, 'the model server never received the request');
    // The model server now holds the rest of the answer: what the panel shows came by streaming.
    const text = await browser.waitForText(runId, (t) => t.includes('Alpha Beta Gamma'));
    assert.ok(!text.includes('Delta'), 'the held part of the answer was shown before it was sent');
    assert.equal((await browser.webview(runId, { selector: '#status' })).text, 'Running…');
    assert.equal(run.events().some((e) => e.event.type === 'done'), false, 'the run ended while the model was still holding');

    gate.release();
    const outcome = await run.done;
    assert.equal(outcome.status, 'succeeded', outcome.message);
    const final = await browser.waitForText(runId, (t) => t.includes('Delta: released.'));
    assert.match(final, /Alpha Beta Gamma Delta: released\./);
    await browser.waitForText(runId, (t) => t === 'Done', 30_000, '#status');

    const started = run.events().find((e) => e.event.type === 'started')?.event;
    assert.equal(started?.type === 'started' && started.agentVersion, process.env.AGENT_RELAY_TEST_CLAUDE_VERSION ?? '2.1.197');
    // Sequence numbers are dense: nothing was dropped between host and log.
    run.events().forEach((e, i) => assert.equal(e.seq, i + 1));
  });

  it('runs an allowed tool and sends its real output back to the model', async function () {
    await configureClaude(server, { 'claude.permissionMode': 'default', 'claude.allowedTools': ['Bash(echo *)'] });
    const before = server.messageRequests().length;
    const runId = await runAgent('RUN_TOOL: run echo relay-tool-output');
    const run = (await api()).getRun(runId)!;
    const outcome = await run.done;
    assert.equal(outcome.status, 'succeeded', outcome.message);

    const turns = server.messageRequests().slice(before);
    const toolResults = turns.flatMap((r) =>
      (r.body.messages as any[]).flatMap((m) => (Array.isArray(m.content) ? m.content.filter((c: any) => c.type === 'tool_result') : [])),
    );
    assert.ok(toolResults.length > 0, 'no tool_result went back to the model');
    assert.match(JSON.stringify(toolResults[0].content), /relay-tool-output/);

    const events = run.events().map((e) => e.event);
    const use = events.find((e) => e.type === 'tool-use');
    assert.ok(use && use.type === 'tool-use' && use.name === 'Bash');
    const result = events.find((e) => e.type === 'tool-result');
    assert.ok(result && result.type === 'tool-result' && result.output.includes('relay-tool-output') && !result.isError);
    assert.equal(outcome.result, 'The command printed: relay-tool-output');

    if (process.env.AGENT_RELAY_TEST_PROBE) {
      const text = await browser.waitForText(runId, (t) => t.includes('The command printed: relay-tool-output'));
      assert.match(text, /Bash: echo relay-tool-output/);
      const snap = await browser.webview(runId, { count: 'details.tool' });
      assert.equal(snap.count, 1, 'the tool call is shown as one collapsible block');
      if (process.env.AGENT_RELAY_TEST_RESULTS) {
        await browser.click(runId, 'details.tool summary');
        assert.ok(await waitFor(async () => (await browser.webview(runId, { count: 'details.tool[open]' })).count === 1, 30_000), 'the tool block did not open');
        await browser.screenshot(path.join(process.env.AGENT_RELAY_TEST_RESULTS, 'run-panel.png'));
      }
    }
    await configureClaude(server);
  });

  it('shows an API error from the model clearly and fails the run', async function () {
    const runId = await runAgent('API_ERROR:401');
    const outcome = await (await api()).getRun(runId)!.done;
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message ?? '', /401/);
    if (process.env.AGENT_RELAY_TEST_PROBE) {
      await browser.waitForText(runId, (t) => t === 'Failed', 30_000, '#status');
      const text = await browser.waitForText(runId, (t) => /401/.test(t));
      assert.match(text, /authenticat/i);
    }
  });

  it('cancel stops the agent and leaves no process behind', async function () {
    const runId = await runAgent('Think forever. HANG');
    const run = (await api()).getRun(runId)!;
    assert.ok(await waitFor(() => run.events().some((e) => e.event.type === 'text'), 60_000), 'the agent never started answering');
    const pid = run.pid;
    assert.ok(pid, 'no process id for the run');
    assert.ok(processesInGroup(pid).length > 0, 'the agent process group is not running');

    if (process.env.AGENT_RELAY_TEST_PROBE) {
      await browser.waitForText(runId, (t) => t.includes('Working on it'));
      await browser.click(runId, '#cancel');
    } else await vscode.commands.executeCommand('agentRelay.cancelRun', runId);
    const outcome = await run.done;
    assert.equal(outcome.status, 'cancelled');
    assert.ok(await waitFor(() => processesInGroup(pid).length === 0, 30_000), `processes left: ${processesInGroup(pid)}`);
    if (process.env.AGENT_RELAY_TEST_PROBE) await browser.waitForText(runId, (t) => t === 'Cancelled', 30_000, '#status');
  });

  it('a missing CLI gives an actionable error, not a stack trace', async () => {
    await configureClaude(server, { 'claude.path': '/nonexistent/bin/claude' });
    try {
      const runId = await runAgent('Hello');
      const outcome = await (await api()).getRun(runId)!.done;
      assert.equal(outcome.status, 'failed');
      assert.match(outcome.message ?? '', /not found at "\/nonexistent\/bin\/claude"/);
      assert.match(outcome.message ?? '', /agentRelay\.claude\.path/);
      assert.doesNotMatch(outcome.message ?? '', /\n\s+at /, 'a stack trace reached the user');
    } finally {
      await configureClaude(server);
    }
    const d = await (await api()).detect('claude');
    assert.equal(d.found, true, 'clearing the setting did not re-detect the CLI');
  });

  it('renders agent markdown without running any script in it', async function () {
    requireBrowser(this);
    const runId = await runAgent('XSS');
    const outcome = await (await api()).getRun(runId)!.done;
    assert.equal(outcome.status, 'succeeded', outcome.message);
    const text = await browser.waitForText(runId, (t) => t.includes('after the payload'));
    assert.match(text, /<img src=x onerror=/, 'raw HTML should be shown as text');
    const snap = await browser.webview(runId, { count: '#transcript img, #transcript script, #transcript a[href^="javascript"]', global: '__agentRelayPwned' });
    assert.equal(snap.count, 0);
    assert.equal(snap.global, null);
    const bold = await browser.webview(runId, { count: '#transcript strong' });
    assert.ok((bold.count ?? 0) >= 1, 'markdown was not rendered');
  });
});
