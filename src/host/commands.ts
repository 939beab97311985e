import * as vscode from 'vscode';
import { HTTP_AGENTS } from '../core/http/httpAgents';
import { UserInputError } from '../core/run/prompt';
import { cacheActions, clearAllCaches, clearWorkspaceCache, showCacheStatistics, verifyCache } from './cacheCommands';
import { showDoctorReport } from './doctor';
import { agentStatus, askPrompt, pickAgent, runFolder, selectionContext } from './pickers';
import type { Relay } from './relay';
import { RunPanel } from './runPanel';
import { runSettings } from './settings';

/** Arguments "Run Agent…" accepts, so keybindings and tests can skip the pickers. */
export interface RunAgentArgs {
  attachSelection?: boolean;
  /** Open the run panel (default true). */
  showPanel?: boolean;
  /** Skip the response-cache lookup. */
  noCache?: boolean;
}

/** An agent id, or an Agents view item carrying one (view actions pass the item). */
type AgentRef = string | { agentId: string } | undefined;
const agentIdOf = (ref: AgentRef): string | undefined => (typeof ref === 'string' ? ref : ref?.agentId);

type Command = (relay: Relay, ...args: any[]) => unknown;

/** Every command, registered in one loop. Ids match `contributes.commands`. */
export const COMMANDS: Record<string, Command> = {
  'agentRelay.runAgent': runAgent,
  'agentRelay.runAgentWithoutCache': (relay, ref?: AgentRef, prompt?: string, args: RunAgentArgs = {}) => runAgent(relay, ref, prompt, { ...args, noCache: true }),
  'agentRelay.cancelRun': cancelRun,
  'agentRelay.redetectAgents': redetectAgents,
  'agentRelay.showLog': (relay) => relay.logs.show(),
  'agentRelay.setApiKey': setApiKey,
  'agentRelay.doctor': (relay) => showDoctorReport(relay),
  'agentRelay.cacheStats': showCacheStatistics,
  'agentRelay.clearWorkspaceCache': clearWorkspaceCache,
  'agentRelay.clearAllCaches': clearAllCaches,
  'agentRelay.verifyCache': verifyCache,
  'agentRelay.cacheActions': cacheActions,
  'agentRelay.openAgentSettings': (_relay, ref?: AgentRef) =>
    vscode.commands.executeCommand('workbench.action.openSettings', agentIdOf(ref) ? `agentRelay.${agentIdOf(ref)}` : 'agentRelay'),
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
async function runAgent(relay: Relay, ref?: AgentRef, prompt?: string, args: RunAgentArgs = {}): Promise<string | undefined> {
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
  const agentId = agentIdOf(ref);
  const agent = agentId === undefined ? await pickAgent(relay, folder) : relay.catalog.find(agentId);
  if (!agent) {
    if (agentId !== undefined) throw new UserInputError(relay.catalog.unknownMessage(agentId));
    return undefined;
  }
  const settings = runSettings(folder);
  const context = selectionContext(folder);
  let attach = args.attachSelection ?? settings.attachSelection;
  if (prompt === undefined) {
    // Say now if the agent cannot run, before the user types a prompt for nothing.
    const status = await agentStatus(relay, agent, folder);
    if (!status.ready) {
      const fix = agent.kind === 'http' ? 'Set API Key…' : 'Open Settings';
      const choice = await vscode.window.showErrorMessage(status.detail ?? `${agent.displayName}: ${status.text}`, fix, 'Re-detect');
      if (choice === 'Set API Key…') await setApiKey(relay, agent.id);
      else if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', `agentRelay.${agent.id}`);
      else if (choice === 'Re-detect') void vscode.commands.executeCommand('agentRelay.redetectAgents');
      return undefined;
    }
    const answer = await askPrompt(agent, context, attach);
    if (!answer) return undefined;
    prompt = answer.prompt;
    attach = answer.attach;
  }
  const handle = relay.startRun(agent.id, prompt, { folder, context: attach ? context : undefined, showPanel: args.showPanel, noCache: args.noCache });
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
  const cli = relay.catalog.all().filter((a) => a.kind === 'cli');
  const results = await Promise.all(cli.map(async (a) => [a, await agentStatus(relay, a, folder)] as const));
  const summary = results.map(([a, s]) => `${a.displayName}: ${s.ready ? 'found' : 'not found'}`).join(' · ');
  void vscode.window.showInformationMessage(`Agent Relay: ${summary}`);
}

/**
 * Stores (or, with an empty value, removes) an HTTP provider's API key in
 * SecretStorage. Takes (providerId, key) as arguments too, for tests and scripts.
 */
async function setApiKey(relay: Relay, ref?: AgentRef, key?: string): Promise<boolean> {
  let providerId = agentIdOf(ref);
  if (!providerId) {
    const pick = await vscode.window.showQuickPick(
      HTTP_AGENTS.map((a) => ({ label: a.displayName, description: a.apiKeyRequired ? 'required' : 'optional', id: a.id })),
      { title: 'Agent Relay: Set API Key', placeHolder: 'For which API?' },
    );
    providerId = pick?.id;
  }
  const spec = HTTP_AGENTS.find((a) => a.id === providerId);
  if (!spec) {
    if (providerId) throw new UserInputError(`"${providerId}" does not use an API key. API keys are for: ${HTTP_AGENTS.map((a) => a.id).join(', ')}.`);
    return false;
  }
  if (key === undefined) {
    key = await vscode.window.showInputBox({
      title: `API key for ${spec.displayName}`,
      prompt: 'Stored in VS Code\'s secret storage, never in settings. Leave empty to remove the stored key.',
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) return false;
  }
  if (key.trim()) await relay.keys.set(spec.id, key);
  else await relay.keys.delete(spec.id);
  relay.logs.root.info(`API key for ${spec.id} ${key.trim() ? 'stored' : 'removed'}`); // never the key itself
  relay.forget(spec.id);
  return true;
}
