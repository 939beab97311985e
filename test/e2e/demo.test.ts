// `npm start -- --demo`, as a new user runs it: the start script installs what
// it needs, starts the demo model server and code-server, and prints a URL. In
// that workbench, "Run Agent…" with Claude Code streams a real CLI run (a
// read-only tool call included) into the panel, offline and without a key.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { killProcessTree } from '../../src/core/process/processTree';
import { freePort, openWorkbench, pickItem, runCommand, startAndWaitFor, submitInput, waitForPanelText, waitForHttp, type Workbench } from './workbench';

const ROOT = path.resolve(__dirname, '../../..');

describe('npm start -- --demo', function () {
  let state: string;
  let start: ReturnType<typeof startAndWaitFor> | undefined;
  let workbench: Workbench | undefined;

  before(() => {
    state = mkdtempSync(path.join(os.tmpdir(), 'agent-relay-demo-'));
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await workbench?.screenshot('demo-failure.png');
  });

  after(async () => {
    await workbench?.close();
    if (start?.child.pid) killProcessTree(start.child.pid);
    rmSync(state, { recursive: true, force: true, maxRetries: 3 });
  });

  it('opens VS Code where Run Agent streams a real Claude Code run from the demo model', async () => {
    const port = await freePort();
    start = startAndWaitFor(
      process.execPath,
      [path.join(ROOT, 'scripts', 'start.mjs'), '--demo'],
      { cwd: ROOT, env: { ...process.env, AGENT_RELAY_USE_SERVER: '1', AGENT_RELAY_START_STATE: state, PORT: String(port) } },
      /(http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+)/,
    );
    const [, url] = await start.matched;
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, start.child);
    workbench = await openWorkbench(url);
    const { page } = workbench;

    await runCommand(page, 'Agent Relay: Run Agent…');
    await pickItem(page, 'Agent Relay: Run Agent', 'Claude Code');
    await submitInput(page, 'Run Claude Code', 'What is in this project?');

    const { frame, text } = await waitForPanelText(page, (t) => t.includes('To use your own agents and keys'));
    assert.match(text, /Agent Relay demo/);
    assert.match(text, /You asked: What is in this project\?/);
    assert.match(text, /function greet\(name\)/, 'the tool call\'s real output (the file it read) did not reach the answer');
    // The tool call is shown as one collapsible block, and the footer says the run is done.
    assert.equal(await frame.evaluate('document.querySelectorAll("details.tool").length'), 1);
    assert.match(String(await frame.evaluate('document.querySelector("details.tool summary").innerText')), /Read: .*src\/greet\.js/);
    await waitForPanelText(page, (t) => t === 'Done', '#status');
    assert.match(String(await frame.evaluate('document.querySelector("#tokens").innerText')), /in · .* out/);
  });
});
