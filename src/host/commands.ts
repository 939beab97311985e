import { PerformancePanel } from './performancePanel';
import * as vscode from 'vscode';
import { HTTP_AGENTS } from '../core/http/httpAgents';
import { UserInputError } from '../core/run/prompt';
import { cacheActions, clearAllCaches, clearWorkspaceCache, showCacheStatistics, verifyCache } from './cacheCommands';
import { showDoctorReport } from './doctor';
import { agentStatus, askPrompt, pickAgent, runFolder, selectionContext } from './pickers';
import type { Relay } from './relay';
import { RunPanel } from './runPanel';
import { copyAnswer, deleteRun, filterRuns, followUp, openRun, rerun, type RunRef } from './runCommands';
import { startRun } from './runs';
import { compareAnswers, runOnSeveralAgents } from './groups';
import { exportUsage, showUsage } from './usage';
import { runSettings } from './settings';
import { inertLabel, inertMessage } from './inertText';

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

/** "Agent Relay: <message>", for notifications whose text comes from elsewhere (its link syntax broken). */
const agentRelayMessage = (message: string) => vscode.l10n.t({ message: 'Agent Relay: {0}', args: [inertMessage(message)], comment: '{0} is a message of ours quoting a path or an id (not translated)' });

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
  'agentRelay.openRun': openRun,
  'agentRelay.rerun': (relay, ref?: RunRef) => rerun(relay, ref, false),
  'agentRelay.rerunWithoutCache': (relay, ref?: RunRef) => rerun(relay, ref, true),
  'agentRelay.copyAnswer': copyAnswer,
  'agentRelay.followUp': followUp,
  'agentRelay.runOnSeveralAgents': runOnSeveralAgents,
  'agentRelay.compareAnswers': compareAnswers,
  'agentRelay.showUsage': () => showUsage(),
  'agentRelay.showPerformance': (relay) => PerformancePanel.show(relay) && true,
  'agentRelay.exportUsage': (relay, target?: vscode.Uri | string) => exportUsage(relay, target),
  'agentRelay.deleteRun': deleteRun,
  'agentRelay.filterRuns': filterRuns,
  'agentRelay.refreshRuns': (relay) => relay.runsView?.refresh(),
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
        void vscode.window.showErrorMessage(agentRelayMessage(message));
        return undefined;
      }
    }),
  );
}

/** Returns the new run's id, or undefined when the user backed out. */
async function runAgent(relay: Relay, ref?: AgentRef, prompt?: string, args: RunAgentArgs = {}): Promise<string | undefined> {
  if (!vscode.workspace.isTrusted) {
    const manageTrust = vscode.l10n.t('Manage Workspace Trust');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('Agent Relay runs agents only in trusted workspaces: agents execute tools in the folder and read its project settings.'),
      manageTrust,
    );
    if (choice === manageTrust) void vscode.commands.executeCommand('workbench.trust.manage');
    return undefined;
  }
  const folder = runFolder();
  if (!folder) {
    const openFolder = vscode.l10n.t('Open Folder');
    const choice = await vscode.window.showErrorMessage(vscode.l10n.t('Agent Relay runs agents in a workspace folder. Open a folder first.'), openFolder);
    if (choice === openFolder) void vscode.commands.executeCommand('vscode.openFolder');
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
      const setKey = vscode.l10n.t('Set API Key…');
      const openSettings = vscode.l10n.t('Open Settings');
      const redetect = vscode.l10n.t('Re-detect');
      const message = inertMessage(status.detail ?? vscode.l10n.t({ message: '{0}: {1}', args: [inertLabel(agent.displayName), status.text], comment: '{0} is an agent, {1} its status (e.g. "no API key")' }));
      const choice = await vscode.window.showErrorMessage(message, agent.kind === 'http' ? setKey : openSettings, redetect);
      if (choice === setKey) await setApiKey(relay, agent.id);
      else if (choice === openSettings) void vscode.commands.executeCommand('workbench.action.openSettings', `agentRelay.${agent.id}`);
      else if (choice === redetect) void vscode.commands.executeCommand('agentRelay.redetectAgents');
      return undefined;
    }
    const answer = await askPrompt(agent, context, attach);
    if (!answer) return undefined;
    prompt = answer.prompt;
    attach = answer.attach;
  }
  return startRun(relay, agent.id, prompt, { folder, context: attach ? context : undefined, showPanel: args.showPanel, noCache: args.noCache }).id;
}

async function cancelRun(relay: Relay, ref?: RunRef): Promise<void> {
  const runId = typeof ref === 'string' ? ref : ref?.kind === 'run' ? ref.entry.id : undefined;
  const active = relay.runs.active();
  const target =
    (runId && active.find((r) => r.id === runId)) ||
    active.find((r) => r.id === RunPanel.activeRunId()) ||
    (active.length === 1 ? active[0] : undefined);
  if (target) return target.cancel();
  if (!active.length) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Agent Relay: no run is in progress.'));
    return;
  }
  const pick = await vscode.window.showQuickPick(
    active.map((r) => ({
      label: r.label.agentName,
      description: r.state === 'queued' ? vscode.l10n.t('queued') : undefined,
      detail: r.label.prompt.replace(/\s+/g, ' ').slice(0, 80),
      run: r,
    })),
    { title: vscode.l10n.t('Cancel which run?') },
  );
  pick?.run.cancel();
}

async function redetectAgents(relay: Relay): Promise<void> {
  relay.forget();
  const folder = runFolder();
  const cli = relay.catalog.all().filter((a) => a.kind === 'cli');
  const results = await Promise.all(cli.map(async (a) => [a, await agentStatus(relay, a, folder)] as const));
  const summary = results
    .map(([a, s]) =>
      s.ready
        ? vscode.l10n.t({ message: '{0}: found', args: [a.displayName], comment: '{0} is an agent CLI, e.g. Claude Code' })
        : vscode.l10n.t({ message: '{0}: not found', args: [a.displayName], comment: '{0} is an agent CLI, e.g. Claude Code' }),
    )
    .join(' · ');
  void vscode.window.showInformationMessage(agentRelayMessage(summary));
}

/**
 * Stores (or, with an empty value, removes) an HTTP provider's API key in
 * SecretStorage. Takes (providerId, key) as arguments too, for tests and scripts.
 */
async function setApiKey(relay: Relay, ref?: AgentRef, key?: string): Promise<boolean> {
  let providerId = agentIdOf(ref);
  if (!providerId) {
    const pick = await vscode.window.showQuickPick(
      HTTP_AGENTS.map((a) => ({
        label: a.displayName,
        description: a.apiKeyRequired ? vscode.l10n.t({ message: 'required', comment: 'This API needs a key' }) : vscode.l10n.t({ message: 'optional', comment: 'This API works without a key' }),
        id: a.id,
      })),
      { title: vscode.l10n.t('Agent Relay: Set API Key'), placeHolder: vscode.l10n.t('For which API?') },
    );
    providerId = pick?.id;
  }
  const spec = HTTP_AGENTS.find((a) => a.id === providerId);
  if (!spec) {
    if (providerId) {
      const ids = HTTP_AGENTS.map((a) => a.id).join(', ');
      throw new UserInputError(
        vscode.l10n.t({ message: '"{0}" does not use an API key. API keys are for: {1}.', args: [providerId, ids], comment: '{0} is an agent id, {1} a list of agent ids' }),
      );
    }
    return false;
  }
  if (key === undefined) {
    key = await vscode.window.showInputBox({
      title: vscode.l10n.t({ message: 'API key for {0}', args: [spec.displayName], comment: '{0} is an API, e.g. Anthropic API' }),
      prompt: vscode.l10n.t("Stored in VS Code's secret storage, never in settings. Leave empty to remove the stored key."),
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
