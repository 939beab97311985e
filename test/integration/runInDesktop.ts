// Runs the same integration suite in desktop VS Code via @vscode/test-electron.
// It downloads VS Code from Microsoft's update service, so it needs a desktop
// machine with network access; CI uses runInCodeServer instead. Tests that
// read the webview's DOM need the browser probe and skip here.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../../..');
  const tools = (await import(path.join(root, 'scripts', 'ensure-test-tools.mjs'))) as { ensureTool(name: string): { bin: string; version: string } };
  const claude = tools.ensureTool('claude');
  const agentBins = ['claude', 'codex', 'gemini', 'opencode'].map((name) => path.dirname(tools.ensureTool(name).bin));

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'agent-relay-desktop-'));
  const workspace = path.join(tmp, 'workspace');
  cpSync(path.join(root, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
  for (const args of [['init', '-q'], ['add', '-A'], ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-qm', 'sample']]) {
    execFileSync('git', args, { cwd: workspace });
  }
  await runTests({
    version: process.env.VSCODE_VERSION ?? '1.100.3',
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out', 'test', 'integration', 'suite', 'index'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', `--user-data-dir=${path.join(tmp, 'user-data')}`],
    extensionTestsEnv: {
      AGENT_RELAY_TEST_TMP: tmp,
      AGENT_RELAY_TEST_CLAUDE_VERSION: claude.version,
      // Desktop VS Code passes its own environment to the extension host: put the pinned CLIs first on PATH.
      PATH: [...agentBins, process.env.PATH].join(path.delimiter),
    },
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
