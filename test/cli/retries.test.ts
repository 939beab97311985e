// Retries of CLI runs, with the real Claude Code against the loopback model
// server: a run whose process fails transiently before any answer is started
// again; one that fails after a tool call is not (the tool may have done
// something). Claude Code retries the API itself first (CLAUDE_CODE_MAX_RETRIES
// is 1 here, so each of its runs makes two requests).
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelServer } from '../support/modelServer';
import { startCli, tool } from './harness';

describe('headless CLI: retries of a real CLI', function () {
  this.timeout(300_000);
  let server: ModelServer;
  let scratch: string;
  let claudeBin: string;

  before(async () => {
    claudeBin = (await tool('claude')).bin;
    server = await new ModelServer().start();
  });
  after(async () => server?.close());
  beforeEach(() => (scratch = mkdtempSync(path.join(os.tmpdir(), 'relay-retry-'))));
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  const start = (args: string[]) =>
    startCli(['run', '--agent', 'claude', '--json', '--verbose', '--no-cache', ...args], {
      cwd: scratch,
      binDirs: [path.dirname(claudeBin)],
      env: {
        HOME: scratch,
        ANTHROPIC_BASE_URL: server.url,
        ANTHROPIC_API_KEY: 'sk-ant-loopback-test',
        CLAUDE_CODE_MAX_RETRIES: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_TELEMETRY: '1',
      },
    });
  const requestsWith = (marker: string) => server.messageRequests('anthropic').filter((r) => JSON.stringify(r.body.messages).includes(marker));
  const spawned = (stderr: string) => [...stderr.matchAll(/started pid (\d+)/g)].map((m) => Number(m[1]));

  it('a process that failed transiently (529) before any output is started again, and then succeeds', async () => {
    const marker = 'FLAKY:cli-529:2:529';
    const r = await start([`Say hello ${marker}`]).done;
    assert.equal(r.code, 0, r.stderr);
    const retries = r.events.filter((e) => e.event.type === 'retry');
    assert.equal(retries.length, 1, 'one retry of ours');
    assert.match(JSON.stringify(retries[0].event), /529 overloaded/);
    assert.equal(spawned(r.stderr).length, 2, 'a second process was started');
    assert.equal(requestsWith(marker).length, 3, 'two requests of the first process (its own retry), one of the second');
    assert.equal(r.events.filter((e) => e.event.type === 'error').length, 0, 'the failure a retry mended is not shown as an error');
    assert.equal(r.events.flatMap((e) => (e.event.type === 'text' ? [e.event.text] : [])).join(''), 'Hello from the loopback model.');
  });

  it('a process that failed after a tool call is not started again', async () => {
    const marker = 'RUN_TOOL: run echo retry-after-tool FAIL_AFTER_TOOL:529';
    const r = await start(['--permission-mode', 'default', '--allowed-tools', 'Bash(echo *)', marker]).done;
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.events.some((e) => e.event.type === 'tool-use'), 'the tool call happened');
    assert.equal(r.events.filter((e) => e.event.type === 'retry').length, 0);
    assert.equal(spawned(r.stderr).length, 1, 'only one process was started');
    const done = r.events.at(-1)!.event;
    assert.ok(done.type === 'done' && done.outcome.status === 'failed');
  });

  it('--retries 0 turns retries off', async () => {
    const marker = 'FLAKY:cli-no-retry:2:529';
    const r = await start(['--retries', '0', `Say hello ${marker}`]).done;
    assert.equal(r.code, 1, r.stderr);
    assert.equal(spawned(r.stderr).length, 1);
    assert.equal(requestsWith(marker).length, 2);
  });
});
