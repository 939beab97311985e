// Entry point VS Code loads as `extensionTestsPath` in code-server: the suite,
// then, once it passed, a reload of the same window the way a user reloads it
// (VS Code saves its UI state first, restores the run panels through their
// serializer and starts a new extension host), and the tests of what must
// survive that. The reload enters here again; a marker file tells the phases
// apart. Desktop runs (runInDesktop) load the suite alone.
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { run as runAfterReload } from './afterReload/index';
import { run as runSuite } from './suite/index';

export async function run(): Promise<void> {
  const passed = path.join(process.env.AGENT_RELAY_TEST_TMP!, 'suite-passed');
  if (existsSync(passed)) {
    console.log('[phases] after the reload');
    return runAfterReload();
  }
  await runSuite();
  writeFileSync(passed, '');
  console.log('[phases] suite passed; reloading the window');
  await vscode.commands.executeCommand('workbench.action.reloadWindow');
  // The reload ends this extension host; its successor reports the result.
  return new Promise<void>(() => undefined);
}
