import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CacheStatsReport, VerifyReport } from '../../../src/core/cache';
import { entryFiles } from '../../support/cacheFiles';
import type { ModelServer } from '../../support/modelServer';
import { waitFor } from '../../support/processes';
import { api, browser, closeAllEditors, configureClaude, extension, probeUrl, runAgent, startModelServer } from './harness';

const ROOT = path.resolve(__dirname, '../../../..');


describe('the response cache in VS Code', () => {
  let server: ModelServer;
  const prompt = 'What does greet.js do? (cache test)';
  const statusBar = async () => (await browser.workbench('#workbench\\.parts\\.statusbar')).text ?? '';

  before(async () => {
    server = await startModelServer();
    await configureClaude(server); // plan mode: read-only, so cacheable
    assert.equal(await vscode.commands.executeCommand('agentRelay.clearAllCaches', true), true);
  });

  after(async () => {
    await closeAllEditors();
    await server?.close();
  });

  it('answers the second identical run from the cache and the panel says "From cache"', async () => {
    const relay = await api();
    const first = await relay.getRun(await runAgent(prompt))!.done;
    assert.equal(first.status, 'succeeded', first.message);
    const turns = server.messageRequests('anthropic').length;

    const runId = await runAgent(prompt);
    const second = relay.getRun(runId)!;
    const outcome = await second.done;
    assert.equal(outcome.status, 'succeeded');
    assert.equal(outcome.fromCache, true);
    assert.equal(server.messageRequests('anthropic').length, turns, 'the cached run reached the model');
    const events = second.events().map((e) => e.event);
    assert.equal(events[0].type, 'cache');
    assert.ok(events[0].type === 'cache' && events[0].status === 'hit');
    assert.equal(outcome.result, first.result);
    if (probeUrl) {
      await browser.waitForText(runId, (t) => t.includes('Hello from the loopback model.'));
      const badge = await browser.webview(runId, { selector: '#cache' });
      assert.match(badge.text ?? '', /^From cache · \d+ s old · saved [\d.]+ s/);
      assert.ok((await browser.webview(runId, { count: '#rerun:not([hidden])' })).count === 1, 'no Run Again Without Cache button');
    }
  });

  it('the status bar shows the hit rate, entries and size', async function () {
    if (!probeUrl) this.skip();
    // The whole suite ran in this workspace, so compute what it must say from the statistics.
    const report = await vscode.commands.executeCommand<CacheStatsReport>('agentRelay.cacheStats');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    const mine = report!.workspaces.find((w) => w.entries > 0)!;
    const rate = Math.round((mine.hits / (mine.hits + mine.misses)) * 100);
    assert.ok(mine.hits === 1 && rate > 0);
    const expected = new RegExp(`${rate}% · ${mine.entries} · \\d+(\\.\\d)? (B|KB) · \\$[\\d.]+ saved`);
    let text = '';
    assert.ok(await waitFor(async () => expected.test((text = await statusBar())), 60_000, 250), `status bar: ${text}, expected ${expected}`);
  });

  it('an edit to the workspace is a miss that explains itself; undoing it hits again', async () => {
    const relay = await api();
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const scratchFile = path.join(folder, 'notes.txt');
    writeFileSync(scratchFile, 'a change the agent could read\n');
    try {
      const run = relay.getRun(await runAgent(prompt))!;
      await run.done;
      const miss = run.events().map((e) => e.event).find((e) => e.type === 'cache');
      assert.ok(miss?.type === 'cache' && miss.status === 'miss' && /workspace changed/.test(miss.reason), JSON.stringify(miss));
      if (probeUrl) await browser.waitForText(run.id, (t) => /Not from cache: the workspace changed/.test(t));
    } finally {
      rmSync(scratchFile, { force: true });
    }
    const again = await relay.getRun(await runAgent(prompt))!.done;
    assert.equal(again.fromCache, true);
  });

  it('"Run Again Without Cache" asks the model again', async function () {
    if (!probeUrl) this.skip();
    const relay = await api();
    const cachedId = await runAgent(prompt);
    assert.equal((await relay.getRun(cachedId)!.done).fromCache, true);
    await browser.waitForText(cachedId, (t) => t === 'Done', 30_000, '#status');
    const known = new Set(relay.listRuns().map((r) => r.id));
    const turns = server.messageRequests('anthropic').length;
    await browser.click(cachedId, '#rerun');
    let freshId: string | undefined;
    assert.ok(await waitFor(() => (freshId = relay.listRuns().find((r) => !known.has(r.id))?.id) !== undefined, 30_000), 'Run Again Without Cache did not start a run');
    const fresh = await relay.getRun(freshId!)!.done;
    assert.notEqual(fresh.fromCache, true);
    assert.ok(server.messageRequests('anthropic').length > turns);
  });

  it('Verify Cache removes a tampered entry; the headless CLI reads the same statistics; Clear empties it', async () => {
    const relay = await api();
    const storage = path.join(process.env.AGENT_RELAY_TEST_TMP!, 'user-data', 'User', 'globalStorage', extension().id);
    for (const r of relay.listRuns()) await r.done; // nothing else may be writing entries
    // A question of its own, so its entry is the newest file and nothing rewrites it.
    assert.equal((await relay.getRun(await runAgent('A question only this test asks'))!.done).status, 'succeeded');
    const files = entryFiles(storage).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    assert.ok(files.length >= 2, `entries under ${storage}: ${files.length}`);
    const ok = await vscode.commands.executeCommand<VerifyReport>('agentRelay.verifyCache');
    assert.ok(ok && ok.removed === 0 && ok.valid >= 1, JSON.stringify(ok));
    const bytes = readFileSync(files[0]);
    bytes[bytes.length - 40] ^= 0x01;
    writeFileSync(files[0], bytes);
    const report = await vscode.commands.executeCommand<VerifyReport>('agentRelay.verifyCache');
    assert.equal(report?.removed, 1, `${files.length} files, tampered ${files[0]} (${bytes.length} bytes): ${JSON.stringify(report)}; before: ${JSON.stringify(ok)}`);

    const stats = await vscode.commands.executeCommand<CacheStatsReport>('agentRelay.cacheStats');
    assert.ok(stats && stats.total.removedInvalid >= 1 && stats.total.hits >= 2);
    // A fresh process reports what this window did (it holds no secret, so it only reads). The
    // window writes its counters at most once a second: poll until it has.
    let headless = { hits: -1, removedInvalid: -1 };
    const same = () => headless.hits === stats.total.hits && headless.removedInvalid === stats.total.removedInvalid;
    await waitFor(() => {
      headless = JSON.parse(execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'cache', 'stats', '--all', '--json', '--storage', storage], { encoding: 'utf8' }));
      return same();
    }, 60_000, 250);
    assert.ok(same(), `headless ${JSON.stringify(headless)} vs window ${JSON.stringify(stats.total)}`);

    assert.equal(await vscode.commands.executeCommand('agentRelay.clearWorkspaceCache'), true);
    const after = await vscode.commands.executeCommand<CacheStatsReport>('agentRelay.cacheStats');
    assert.equal(after?.workspaces.reduce((n, w) => n + w.entries, 0), 0);
  });
});
