// Runs the same integration suite in desktop VS Code via @vscode/test-electron.
// It downloads VS Code from Microsoft's update service, so it needs a desktop
// machine with network access; CI uses runInCodeServer instead. Tests that
// read the webview's DOM need the browser probe and skip here.
import { cpSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../../..');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'agent-relay-desktop-'));
  const workspace = path.join(tmp, 'workspace');
  cpSync(path.join(root, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
  await runTests({
    version: process.env.VSCODE_VERSION ?? '1.100.3',
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out', 'test', 'integration', 'suite', 'index'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', `--user-data-dir=${path.join(tmp, 'user-data')}`],
    extensionTestsEnv: { AGENT_RELAY_TEST_TMP: tmp },
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
