import * as vscode from 'vscode';
import type { AgentRun } from '../core/run/agentRun';
import type { Relay } from './relay';
import { inertLabel } from './inertText';
import { RunPanel } from './runPanel';

/**
 * What the window does as runs come and go, read off the run registry: a
 * panel for each new run that asked for one, a notification for each failure,
 * and the `agentRelay.hasActiveRuns` context key for the Cancel command.
 */
export function watchRuns(relay: Relay): vscode.Disposable {
  let active: boolean | undefined;
  const unsubscribe = relay.runs.onDidChange((change) => {
    const { run } = change;
    if (change.kind === 'added' && change.presentation.showPanel) RunPanel.show(relay, { id: run.id, ...run.label });
    if (change.kind === 'changed' && run.state === 'finished') {
      relay.logs.release(run.id);
      if (run.outcome?.status === 'failed') void reportFailure(relay, run);
    }
    const now = relay.runs.active().length > 0;
    if (now !== active) void vscode.commands.executeCommand('setContext', 'agentRelay.hasActiveRuns', (active = now));
  });
  return new vscode.Disposable(unsubscribe);
}

/**
 * A failed run's notification says, in our own words, which agent failed and
 * how (HTTP status or exit code); what the agent, CLI or server said is shown
 * in the run's panel (as text) and the log, behind "Show Details".
 */
async function reportFailure(relay: Relay, run: AgentRun): Promise<void> {
  const outcome = run.outcome!;
  const agent = relay.catalog.find(run.agentId);
  const name = inertLabel(run.label.agentName);
  const message = outcome.httpStatus
    ? vscode.l10n.t({ message: '{0} failed: the model API answered HTTP {1}.', args: [name, outcome.httpStatus], comment: '{0} is an agent, e.g. Claude Code' })
    : typeof outcome.exitCode === 'number' && outcome.exitCode !== 0
      ? vscode.l10n.t({ message: '{0} failed (exit code {1}).', args: [name, outcome.exitCode], comment: '{0} is an agent CLI' })
      : vscode.l10n.t({ message: '{0} failed.', args: [name], comment: '{0} is an agent, e.g. Claude Code' });
  const showDetails = vscode.l10n.t('Show Details');
  const setKey = vscode.l10n.t('Set API Key…');
  const openSettings = vscode.l10n.t('Open Settings');
  const keyProblem = agent?.kind === 'http' && (outcome.httpStatus === 401 || outcome.httpStatus === 403 || /API key/i.test(outcome.message ?? ''));
  const actions = [showDetails, ...(keyProblem ? [setKey] : []), ...(agent?.kind === 'external' ? [] : [openSettings])];
  const choice = await vscode.window.showErrorMessage(message, ...actions);
  if (choice === showDetails) {
    const panel = RunPanel.forRun(run.id, run.label.conversation?.conversationId);
    if (panel) panel.reveal();
    else RunPanel.show(relay, { id: run.id, ...run.label }, { focus: true });
  } else if (choice === setKey) void vscode.commands.executeCommand('agentRelay.setApiKey', run.agentId);
  else if (choice === openSettings) void vscode.commands.executeCommand('workbench.action.openSettings', `agentRelay.${run.agentId}`);
}
