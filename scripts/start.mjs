#!/usr/bin/env node
// `npm start [-- --demo]`: opens VS Code with Agent Relay loaded in a sample
// workspace. Desktop `code` when it is on PATH; otherwise the VS Code server
// (code-server, installed on demand) in your browser, printing the URL to open.
//
// When no agent is set up on this machine (no agent CLI found, no API key in
// the environment), or with --demo, it shows the product working offline: the
// pinned Claude Code goes into .vscode-test/ as the tests install it, the tests'
// deterministic loopback model server runs beside VS Code, and a demo workspace
// points Claude Code and the OpenAI-compatible API at it.
//
// AGENT_RELAY_USE_SERVER=1 prefers code-server over desktop `code`; PORT fixes
// its port; AGENT_RELAY_START_STATE moves its folders (tests use a scratch one).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTool, toolsDir } from './ensure-test-tools.mjs';
import { which } from './lib/system.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = resolve(process.env.AGENT_RELAY_START_STATE || toolsDir);
const args = process.argv.slice(2);
const fail = (message) => {
  console.error(`\n${message}`);
  process.exit(1);
};

let demo;
let workspace = join(stateDir, 'sample-workspace');
try {
  if (args.includes('--demo') || !agentSetUp()) {
    if (!args.includes('--demo')) console.log('No agent CLI found and no API key in the environment: starting the offline demo (npm start -- --demo).');
    demo = await startDemo();
    workspace = demo.workspace;
    console.log(`Demo model server at ${demo.serverUrl}; the demo workspace's settings point Claude Code and the OpenAI-compatible API at it.`);
  } else if (!existsSync(workspace)) {
    cpSync(join(root, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
  }
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}

const code = process.env.AGENT_RELAY_USE_SERVER ? undefined : which('code');
if (code) {
  console.log(`Opening VS Code with the extension from ${root} in ${workspace}`);
  // --wait keeps this process (and the demo's model server) alive while the window is open.
  const r = spawnSync(code, ['--new-window', ...(demo ? ['--wait'] : []), `--extensionDevelopmentPath=${root}`, workspace], { stdio: 'inherit', shell: process.platform === 'win32' });
  await demo?.close();
  process.exit(r.status ?? 0);
}

const port = Number(process.env.PORT) || (await freePort());
const userData = join(stateDir, 'start-user-data');
const extensions = join(stateDir, 'start-extensions');
for (const dir of [join(userData, 'User'), extensions]) mkdirSync(dir, { recursive: true });
// A first start opens on the sample workspace, not on code-server's welcome walkthrough.
const userSettings = join(userData, 'User', 'settings.json');
if (!existsSync(userSettings)) writeFileSync(userSettings, `${JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off' }, null, 2)}\n`);
let bin;
try {
  bin = ensureTool('code-server').bin;
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
const server = spawn(
  bin,
  [
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    // The demo workspace is ours: nothing to distrust, and agents run only in trusted ones.
    ...(demo ? ['--disable-workspace-trust'] : []),
    '--user-data-dir', userData,
    '--extensions-dir', extensions,
    workspace,
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${root}`]]);
const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`;
console.log(`\nVS Code (code-server) with Agent Relay loaded is starting. Open:\n\n  ${url}\n`);
if (demo) console.log('Then run "Agent Relay: Run Agent…" (Ctrl+Shift+Alt+R), pick Claude Code and ask anything.\n');
console.log('Press Ctrl-C to stop.');
const stop = () => server.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.on('exit', async (status) => {
  await demo?.close();
  process.exit(status ?? 0);
});

/** Whether the user has an agent: a CLI the extension's own locator finds, or an API key in the environment. */
function agentSetUp() {
  const r = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'agents', '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`Could not list the agents (run npm run build first):\n${r.stderr}`);
  return r.stdout.trim().split('\n').filter(Boolean).some((line) => JSON.parse(line).ready);
}

/** Bundles test/support/demo.ts (the tests' model server in its demo voice) and starts it. */
async function startDemo() {
  const { bin: claudeBin } = ensureTool('claude');
  const out = join(stateDir, 'demo', 'demo.cjs');
  const esbuild = createRequire(import.meta.url)('esbuild');
  await esbuild.build({ entryPoints: [join(root, 'test', 'support', 'demo.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: out, logLevel: 'warning' });
  const { startDemo: start } = createRequire(import.meta.url)(out);
  return start({ root, stateDir, claudeBin });
}

function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port: p } = s.address();
      s.close(() => res(p));
    });
  });
}
