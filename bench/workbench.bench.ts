// The extension in a real workbench: code-server (VS Code 1.100.3) in headless
// Chromium, driven through Playwright as a user would (command palette, quick
// pick, input box). A run of the OpenAI-compatible API agent streams an answer
// from the loopback model server at a steady 1 MiB/s into the run panel (an
// HTTP agent: the host parses the SSE lines itself, and no agent CLI between
// them limits the rate; Claude Code, for one, emits ~200 deltas a second). Two figures come from
// the product's own stamps, which it writes to its log:
// - forwarding latency: from the host receiving each event's line to the
//   webview having drawn it (both ends `performance.timeOrigin +
//   performance.now()`; the webview acks every frame that drew new events);
// - activation time: from the bundle's first line to `activate()` returning.
// Absolute figures, reported as indications (they depend on the machine).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { killProcessTree } from '../src/core/process/processTree';
import { freePort, openWorkbench, pickItem, runCommand, submitInput, waitForHttp, waitForPanelText, type Workbench } from '../test/e2e/workbench';
import { sampleWorkspace } from '../test/integration/testSetup';
import { ModelServer } from '../test/support/modelServer';
import { waitFor } from '../test/support/processes';

const ROOT = path.resolve(__dirname, '../..');
const RATE_KIB = Number(process.env.AGENT_RELAY_BENCH_RATE_KIB) || 1024;
const ANSWER_KIB = Number(process.env.AGENT_RELAY_BENCH_ANSWER_KIB) || 4096;

interface Tools {
  ensureTool(name: string): { bin: string; version: string };
}

/** Every file under `dir` whose name matches. */
function filesUnder(dir: string, name: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (name.test(e.name)) out.push(p);
    }
  };
  try {
    walk(dir);
  } catch {
    // not there yet
  }
  return out;
}

export async function benchWorkbench() {
  const tools = (await import(path.join(ROOT, 'scripts', 'ensure-test-tools.mjs'))) as Tools;
  const codeServer = tools.ensureTool('code-server');
  const server = await new ModelServer().start();
  server.eventDelayMs = 0; // PACED sets the rate
  const { tmp, workspace } = sampleWorkspace('agent-relay-bench-workbench-');
  const userData = path.join(tmp, 'user-data');
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'chat.disableAIFeatures': true }));
  mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  writeFileSync(
    path.join(workspace, '.vscode', 'settings.json'),
    JSON.stringify({ 'agentRelay.openai.baseUrl': `${server.url}/v1`, 'agentRelay.openai.model': 'llama3.1', 'agentRelay.cache.enabled': false }),
  );
  let child: ChildProcess | undefined;
  let workbench: Workbench | undefined;
  try {
    const port = await freePort();
    child = spawn(
      codeServer.bin,
      ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--user-data-dir', userData, '--extensions-dir', path.join(tmp, 'extensions'), workspace],
      { stdio: 'ignore', detached: true },
    );
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, child);
    // The source tree's production bundle, loaded as in development (no VSIX to build).
    const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${ROOT}`], ['skipWelcome', 'true']];
    workbench = await openWorkbench(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    const { page } = workbench;
    const t0 = Date.now();
    await runCommand(page, 'Agent Relay: Run Agent…');
    await pickItem(page, 'Agent Relay: Run Agent', 'OpenAI-compatible API');
    await submitInput(page, 'Run OpenAI-compatible API', `PACED:${RATE_KIB}:${ANSWER_KIB}`);
    await waitForPanelText(page, (t) => t === 'Done' || t === 'Failed', '#status', 600_000);
    const wallMs = Date.now() - t0;

    // The run's last line in the log comes once the panel acked its last event.
    let log = '';
    const logged = await waitFor(() => {
      log = filesUnder(path.join(userData, 'logs'), /Agent Relay\.log$/).map((f) => readFileSync(f, 'utf8')).join('\n');
      return /forwarding latency to the panel/.test(log);
    }, 120_000, 250);
    if (!logged) throw new Error(`the log never gave the forwarding latency:\n${log.slice(-4000)}`);
    const f = /forwarding latency to the panel: p50 ([\d.]+) ms, p95 ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms over (\d+) events/.exec(log)!;
    const finished = /finished: (\w[\w-]*) in (\d+) ms/.exec(log);
    const activation = /activated in ([\d.]+) ms/.exec(log);
    if (finished?.[1] !== 'succeeded') throw new Error(`the run did not succeed:\n${log.slice(-4000)}`);
    const runMs = Number(finished[2]);
    return {
      workload: `the OpenAI-compatible API agent in code-server ${codeServer.version} with headless Chromium: a ${ANSWER_KIB / 1024} MiB Markdown answer in 100-character deltas, sent by the loopback model at ${RATE_KIB} KiB/s`,
      forwardingMs: { p50: Number(f[1]), p95: Number(f[2]), p99: Number(f[3]), max: Number(f[4]), events: Number(f[5]) },
      runMs,
      achievedKiBps: Math.round(ANSWER_KIB / (runMs / 1000)),
      activationMs: activation ? Number(activation[1]) : undefined,
      commandToDoneMs: wallMs,
      goal: 'forwarding p99 within two frames (33 ms)',
    };
  } finally {
    await workbench?.close();
    if (child?.pid) killProcessTree(child.pid);
    await server.close();
    rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
}

if (require.main === module) void benchWorkbench().then((r) => console.log(JSON.stringify(r, null, 2)), (err) => { console.error(err); process.exit(1); });
