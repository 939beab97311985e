// Usage you can see: the ledger from the run history, exported as CSV and
// JSON, and today's reported spend in the status bar.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelServer } from '../../support/modelServer';
import { waitFor } from '../../support/processes';
import { api, browser, configureClaude, runAgent, startModelServer } from './harness';

describe('usage: the ledger, its export, and today\'s spend', () => {
  let server: ModelServer;
  before(async () => {
    server = await startModelServer();
    await configureClaude(server);
  });
  after(async () => server?.close());

  it('exports the tokens and cost Claude Code reported, per day, and the status bar shows today\'s spend', async () => {
    const id = await runAgent('Usage: count my tokens');
    assert.equal((await (await api()).getRun(id)!.done).status, 'succeeded');
    const v2 = (await api()).getApi(2);
    assert.ok(await waitFor(async () => (await v2.getRun(id))?.state === 'finished' && (await v2.readEvents(id)) !== undefined, 30_000));
    const dir = mkdtempSync(path.join(process.env.AGENT_RELAY_TEST_TMP ?? os.tmpdir(), 'usage-'));
    const csvFile = path.join(dir, 'usage.csv');
    const jsonFile = path.join(dir, 'usage.json');
    await vscode.commands.executeCommand('agentRelay.exportUsage', csvFile);
    await vscode.commands.executeCommand('agentRelay.exportUsage', jsonFile);
    const csv = readFileSync(csvFile, 'utf8').split('\r\n');
    assert.equal(csv[0], 'day,agentId,agentName,runs,inputTokens,outputTokens,costUsd,runsWithoutCost,cacheHits,savedTokens,savedCostUsd');
    const { rows } = JSON.parse(readFileSync(jsonFile, 'utf8')) as { rows: Array<{ agentId: string; runs: number; inputTokens: number; costUsd: number }> };
    const claude = rows.find((r) => r.agentId === 'claude');
    assert.ok(claude && claude.runs >= 1 && claude.inputTokens > 0 && claude.costUsd > 0, JSON.stringify(rows));
    // The report opens as a read-only document.
    await vscode.commands.executeCommand('agentRelay.showUsage');
    assert.ok(await waitFor(() => vscode.window.activeTextEditor?.document.uri.scheme === 'agent-relay-usage', 30_000));
    assert.match(vscode.window.activeTextEditor!.document.getText(), /\| day \| agent \| runs \|[\s\S]*Claude Code/);
    if (process.env.AGENT_RELAY_TEST_PROBE) {
      const shown = await browser.waitForWorkbench('.statusbar', 'the status bar', (t) => /\$\d+\.\d\d today/.test(t), 60_000);
      assert.match(shown, /\$\d+\.\d\d today/);
    }
  });
});
