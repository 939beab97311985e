// Runs the integration suite inside a real VS Code extension host: code-server
// (VS Code 1.100.3, installed on demand from npm) with its web workbench in
// headless Chromium. The suite's mocha output arrives through the workbench's
// automation hooks; the suite reaches the browser through browserProbe.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { format } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { killProcessTree } from '../../src/core/process/processTree';
import { launchChromium } from '../support/chromium';
import { agentTools, ROOT as root, sampleWorkspace } from './testSetup';
import { startBrowserProbe } from './browserProbe';

const SUITE_TIMEOUT_MS = Number(process.env.AGENT_RELAY_SUITE_TIMEOUT_MS ?? 20 * 60_000);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, ms: number, proc: ChildProcess): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`code-server exited early with code ${proc.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer ${url} within ${ms} ms`);
}

async function main(): Promise<number> {
  const { ensureTool, claude, agentBins } = await agentTools();
  const codeServer = ensureTool('code-server');
  const { tmp, workspace } = sampleWorkspace('agent-relay-it-');
  const userData = path.join(tmp, 'user-data');
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'telemetry.telemetryLevel': 'off',
      'chat.disableAIFeatures': true,
      'security.workspace.trust.enabled': false,
    }),
  );
  // The server resolves the extension host's environment from a login shell, as
  // VS Code does for remote hosts: PATH comes from the shell profile, not from
  // us. So, like a user who installed the CLI, put it on PATH in ~/.profile.
  const home = path.join(tmp, 'home');
  mkdirSync(home, { recursive: true });
  writeFileSync(path.join(home, '.profile'), `export PATH="${agentBins.join(':')}:$PATH"\n`);
  const resultsDir = path.join(root, 'test-results');
  mkdirSync(resultsDir, { recursive: true });

  let page: Page | undefined;
  const probe = await startBrowserProbe(() => page);
  const port = await freePort();
  const env = {
    ...process.env,
    HOME: home,
    SHELL: '/bin/bash',
    AGENT_RELAY_TEST_PROBE: probe.url,
    AGENT_RELAY_TEST_TMP: tmp,
    AGENT_RELAY_TEST_RESULTS: resultsDir,
    AGENT_RELAY_TEST_CLAUDE_VERSION: claude.version,
  };
  const server = spawn(
    codeServer.bin,
    [
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--user-data-dir', userData,
      '--extensions-dir', path.join(tmp, 'extensions'),
      workspace,
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const serverLog: string[] = [];
  const keep = (b: Buffer) => serverLog.push(b.toString()) > 400 && serverLog.shift();
  server.stdout!.on('data', keep);
  server.stderr!.on('data', keep);

  let browser: Browser | undefined;
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 90_000, server);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    let settle: (code: number) => void = () => undefined;
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
      const line = format(...(Array.isArray(args) ? args : [args]));
      process.stdout.write(`${line}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => settle(code));
    page.on('pageerror', (err) => process.stderr.write(`[workbench] ${err.message}\n`));

    const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${p}`;
    console.log(`[runner] VS Code ${'1.100.3'} (code-server ${codeServer.version}) at http://127.0.0.1:${port}, Claude Code ${claude.version}`);
    // One window, two phases: the suite, then (phases.ts) the window reloaded with the tests
    // of what must survive a reload. Only the second phase reports an exit code.
    const payload = [
      ['extensionDevelopmentPath', remote(root)],
      ['extensionTestsPath', remote(path.join(root, 'out', 'test', 'integration', 'phases'))],
      ['skipWelcome', 'true'],
    ];
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const exited = new Promise<number>((r) => (settle = r));
    await page.goto(url);
    const timeout = new Promise<number>((r) => setTimeout(() => r(-1), SUITE_TIMEOUT_MS).unref());
    const code = await Promise.race([exited, timeout]);
    if (code === -1) {
      console.error(`[runner] the suite did not finish within ${SUITE_TIMEOUT_MS / 60000} minutes`);
      await page.screenshot({ path: path.join(resultsDir, 'timeout.png') }).catch(() => undefined);
      return 1;
    }
    if (code !== 0) return code;
    return 0;
  } catch (err) {
    console.error(`[runner] ${err instanceof Error ? err.stack : String(err)}`);
    console.error(`[runner] code-server output:\n${serverLog.join('')}`);
    return 1;
  } finally {
    await browser?.close().catch(() => undefined);
    if (server.pid) killProcessTree(server.pid);
    await probe.close();
    rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
