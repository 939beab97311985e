// Runs the same integration suite in desktop VS Code via @vscode/test-electron.
// It downloads VS Code from Microsoft's update service, so it needs a desktop
// machine with network access; CI uses runInCodeServer instead. Tests that
// read the webview's DOM need the browser probe and skip here.
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { agentTools, ROOT as root, sampleWorkspace } from './testSetup';

async function main(): Promise<void> {
  const { claude, agentBins } = await agentTools();
  const { tmp, workspace } = sampleWorkspace('agent-relay-desktop-');
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
