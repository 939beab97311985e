#!/usr/bin/env node
// `npm start`: opens VS Code with Agent Relay loaded in a sample workspace.
// Desktop `code` when it is on PATH; otherwise the VS Code server (code-server,
// installed on demand) in your browser, printing the URL to open.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import * as net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTool, toolsDir } from './ensure-test-tools.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const workspace = join(toolsDir, 'sample-workspace');
if (!existsSync(workspace)) cpSync(join(root, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });

const hasCode = spawnSync(process.platform === 'win32' ? 'where' : 'which', ['code'], { stdio: 'ignore' }).status === 0;
if (hasCode && !process.env.AGENT_RELAY_USE_SERVER) {
  console.log(`Opening VS Code with the extension from ${root} in ${workspace}`);
  const r = spawnSync('code', ['--new-window', `--extensionDevelopmentPath=${root}`, workspace], { stdio: 'inherit', shell: process.platform === 'win32' });
  process.exit(r.status ?? 0);
}

const port = Number(process.env.PORT) || (await freePort());
for (const dir of ['start-user-data', 'start-extensions']) mkdirSync(join(toolsDir, dir), { recursive: true });
const { bin } = ensureTool('code-server');
const server = spawn(bin, ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--user-data-dir', join(toolsDir, 'start-user-data'), '--extensions-dir', join(toolsDir, 'start-extensions'), workspace], { stdio: ['ignore', 'ignore', 'inherit'] });
const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${root}`]]);
console.log(`\nVS Code (code-server) with Agent Relay loaded is starting. Open:\n\n  http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}\n\nPress Ctrl-C to stop.`);
process.on('SIGINT', () => server.kill('SIGTERM'));
server.on('exit', (code) => process.exit(code ?? 0));

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
