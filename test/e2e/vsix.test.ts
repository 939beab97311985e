// The package a user installs, not the source tree: `npm run package` builds the
// VSIX, code-server installs it with --install-extension into a scratch
// extensions folder, and the workbench is then used as a user would: the view
// container and its icon, the Agents view, a run reaching the panel, and the
// panel's stylesheet really applied.
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { killProcessTree } from '../../src/core/process/processTree';
import { claudeHome } from '../support/agentHomes';
import { ModelServer } from '../support/modelServer';
import { sampleWorkspace } from '../integration/testSetup';
import { freePort, openWorkbench, pickItem, runCommand, STEP_MS, submitInput, waitForHttp, waitForPanelText, type Workbench } from './workbench';

const ROOT = path.resolve(__dirname, '../../..');

interface Tools {
  ensureTool(name: string): { bin: string; version: string };
}
interface Packager {
  packageVsix(o: { out: string }): Promise<{ file: string; bytes: number; files: string[] }>;
}

describe('the packaged extension (VSIX) installed into VS Code', function () {
  let tmp: string;
  let server: ModelServer;
  let codeServer: ChildProcess | undefined;
  let workbench: Workbench | undefined;
  let extensionsDir: string;
  let url: string;

  before(async function () {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'agent-relay-vsix-'));
    const tools = (await import(path.join(ROOT, 'scripts', 'ensure-test-tools.mjs'))) as Tools;
    const packager = (await import(path.join(ROOT, 'scripts', 'package.mjs'))) as Packager;
    const vsix = await packager.packageVsix({ out: path.join(tmp, 'agent-relay.vsix') });
    const bin = tools.ensureTool('code-server').bin;
    const claude = tools.ensureTool('claude').bin;
    extensionsDir = path.join(tmp, 'extensions');
    const userData = path.join(tmp, 'user-data');
    mkdirSync(path.join(userData, 'User'), { recursive: true });
    writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'chat.disableAIFeatures': true }));
    execFileSync(bin, ['--install-extension', vsix.file, '--extensions-dir', extensionsDir, '--user-data-dir', userData], { stdio: 'pipe' });

    server = await new ModelServer().start();
    const { workspace } = sampleWorkspace('agent-relay-vsix-ws-');
    mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    writeFileSync(
      path.join(workspace, '.vscode', 'settings.json'),
      JSON.stringify({ 'agentRelay.claude.path': claude, 'agentRelay.claude.environment': claudeHome(path.join(tmp, 'claude-home'), server.url).env }),
    );
    const port = await freePort();
    codeServer = spawn(
      bin,
      ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--user-data-dir', userData, '--extensions-dir', extensionsDir, workspace],
      { stdio: 'ignore', detached: true },
    );
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, codeServer);
    url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
    workbench = await openWorkbench(url);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await workbench?.screenshot(`vsix-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 40)}.png`);
  });

  after(async () => {
    await workbench?.close();
    if (codeServer?.pid) killProcessTree(codeServer.pid);
    await server?.close();
    rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  });

  it('is installed from the VSIX (not loaded from the source tree)', () => {
    const installed = readdirSync(extensionsDir).filter((d) => d.startsWith('agent-relay.agent-relay-'));
    assert.equal(installed.length, 1, `extensions folder holds: ${readdirSync(extensionsDir).join(', ')}`);
    const files = readdirSync(path.join(extensionsDir, installed[0]));
    assert.ok(!files.includes('src') && !files.includes('test'), `the installed copy holds source folders: ${files.join(', ')}`);
  });

  it('shows the view container with its icon, and the Agents view lists the agents', async () => {
    const { page } = workbench!;
    const item = page.locator('.activitybar .action-item a[aria-label^="Agent Relay"]').first();
    await item.waitFor({ timeout: STEP_MS });
    // The activity-bar icon is a CSS mask over the icon file; the file must be served from the package.
    const mask = await item.evaluate((el) => {
      const style = (globalThis as any).getComputedStyle(el);
      return String(style.webkitMaskImage || style.maskImage);
    });
    const iconUrl = /url\("?([^")]+)"?\)/.exec(mask)?.[1];
    assert.ok(iconUrl && /agent-relay\.agent-relay-[\d.]+\/media\/icon\.svg/.test(decodeURIComponent(iconUrl)), `activity bar icon not from the installed package: ${mask}`);
    const icon = await page.evaluate(`fetch(${JSON.stringify(iconUrl)}).then(async (r) => ({ status: r.status, body: await r.text() }))`) as { status: number; body: string };
    assert.equal(icon.status, 200);
    assert.match(icon.body, /<svg/);

    await item.click();
    const tree = page.locator('.pane-body [role="tree"]').first();
    await tree.waitFor({ timeout: STEP_MS });
    for (const name of ['Claude Code', 'OpenAI Codex', 'Gemini CLI', 'OpenCode', 'Anthropic API', 'OpenAI-compatible API']) {
      await page.locator('.monaco-list-row', { hasText: name }).first().waitFor({ timeout: STEP_MS });
    }
    // Claude Code is found where the workspace settings point.
    await page.locator('.monaco-list-row', { hasText: 'Claude Code' }).filter({ hasText: 'found' }).first().waitFor({ timeout: STEP_MS });
  });

  it('runs an agent into the panel, whose stylesheet is loaded from the installed package', async () => {
    const { page } = workbench!;
    await runCommand(page, 'Agent Relay: Run Agent…');
    await pickItem(page, 'Agent Relay: Run Agent', 'Claude Code');
    await submitInput(page, 'Run Claude Code', 'Say hello');
    const { frame } = await waitForPanelText(page, (t) => t.includes('Hello from the loopback model.'));
    await waitForPanelText(page, (t) => t === 'Done', '#status');

    const style = (await frame.evaluate(`(() => {
      const sheet = [...document.styleSheets].find((s) => (s.href || '').endsWith('/media/panel.css'));
      return {
        href: sheet ? sheet.href : null,
        rules: sheet ? sheet.cssRules.length : 0,
        titleDisplay: getComputedStyle(document.querySelector('header .title')).display,
        footerPosition: getComputedStyle(document.querySelector('#footer')).position,
      };
    })()`)) as { href: string | null; rules: number; titleDisplay: string; footerPosition: string };
    assert.ok(style.href, 'the panel has no panel.css stylesheet');
    assert.match(decodeURIComponent(style.href), /agent-relay\.agent-relay-[\d.]+\/media\/panel\.css$/, `stylesheet not from the installed package: ${style.href}`);
    assert.ok(style.rules > 10, `panel.css has ${style.rules} rules`);
    assert.equal(style.titleDisplay, 'flex', 'panel.css rules are not applied (header .title)');
    assert.notEqual(style.footerPosition, 'static', 'panel.css rules are not applied (#footer)');
  });
});
