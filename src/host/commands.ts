import * as vscode from 'vscode';
import { AGENTS, findAgent } from '../core/agents/registry';
import { UserInputError } from '../core/run/prompt';
import { askPrompt, pickAgent, runFolder, selectionContext } from './pickers';
import type { Relay } from './relay';
import { RunPanel } from './runPanel';
import { runSettings } from './settings';

/** Arguments "Run Agent…" accepts, so keybindings and tests can skip the pickers. */
export interface RunAgentArgs {
  attachSelection?: boolean;
  /** Open the run panel (default true). */
  showPanel?: boolean;
}

type Command = (relay: Relay, ...args: any[]) => unknown;

/** Every command, registered in one loop. Ids match `contributes.commands`. */
export const COMMANDS: Record<string, Command> = {
  'agentRelay.runAgent': runAgent,
  'agentRelay.cancelRun': cancelRun,
  'agentRelay.redetectAgents': redetectAgents,
  'agentRelay.showLog': (relay) => relay.logs.show(),
};

export function registerCommands(relay: Relay): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, fn]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await fn(relay, ...args);
      } catch (err) {
        // Expected problems get their own message; anything else is logged with its stack.
        const message = err instanceof Error ? err.message : String(err);
        if (!(err instanceof UserInputError)) relay.logs.root.error(`${id} failed: ${err instanceof Error ? (err.stack ?? message) : message}`);
        void vscode.window.showErrorMessage(`Agent Relay: ${message}`);
        return undefined;
      }
    }),
  );
}

/** Returns the new run's id, or undefined when the user backed out. */
async function runAgent(relay: Relay, agentId?: string, prompt?: string, args: RunAgentArgs = {}): Promise<string | undefined> {
  if (!vscode.workspace.isTrusted) {
    const choice = await vscode.window.showWarningMessage(
      'Agent Relay runs agents only in trusted workspaces: agents execute tools in the folder and read its project settings.',
      'Manage Workspace Trust',
    );
    if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    return undefined;
  }
  const folder = runFolder();
  if (!folder) {
    const choice = await vscode.window.showErrorMessage('Agent Relay runs agents in a workspace folder. Open a folder first.', 'Open Folder');
    if (choice) void vscode.commands.executeCommand('vscode.openFolder');
    return undefined;
  }
  const spec = agentId === undefined ? await pickAgent(relay, folder) : findAgent(agentId);
  if (!spec) {
    if (agentId !== undefined) throw new UserInputError(`Unknown agent "${agentId}". Known agents: ${AGENTS.map((a) => a.id).join(', ')}.`);
    return undefined;
  }
  const settings = runSettings(folder);
  const context = selectionContext(folder);
  let attach = args.attachSelection ?? settings.attachSelection;
  if (prompt === undefined) {
    // Say now if the CLI is missing, before the user types a prompt that could not run.
    const detection = await relay.detect(spec, folder);
    if (!detection.found) {
      const choice = await vscode.window.showErrorMessage(detection.message, 'Open Settings', 'Re-detect');
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', `agentRelay.${spec.id}.path`);
      if (choice === 'Re-detect') void vscode.commands.executeCommand('agentRelay.redetectAgents');
      return undefined;
    }
    const answer = await askPrompt(spec, context, attach);
    if (!answer) return undefined;
    prompt = answer.prompt;
    attach = answer.attach;
  }
  const handle = relay.startRun(spec.id, prompt, { folder, context: attach ? context : undefined, showPanel: args.showPanel });
  return handle.id;
}

async function cancelRun(relay: Relay, runId?: string): Promise<void> {
  const active = relay.activeRuns();
  const target =
    (runId && active.find((r) => r.info.runId === runId)) ||
    active.find((r) => r.info.runId === RunPanel.activeRunId()) ||
    (active.length === 1 ? active[0] : undefined);
  if (target) return target.run.cancel();
  if (!active.length) {
    void vscode.window.showInformationMessage('Agent Relay: no run is in progress.');
    return;
  }
  const pick = await vscode.window.showQuickPick(
    active.map((r) => ({ label: r.info.agentName, description: r.info.prompt.slice(0, 80), run: r.run })),
    { title: 'Cancel which run?' },
  );
  pick?.run.cancel();
}

async function redetectAgents(relay: Relay): Promise<void> {
  relay.forget();
  const folder = runFolder();
  const results = await Promise.all(AGENTS.map(async (spec) => [spec, await relay.detect(spec, folder)] as const));
  const summary = results.map(([spec, d]) => `${spec.displayName}: ${d.found ? d.path : 'not found'}`).join(' · ');
  void vscode.window.showInformationMessage(`Agent Relay: ${summary}`);
}
