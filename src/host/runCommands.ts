import * as vscode from 'vscode';
import type { SeqEvent } from '../core/agents/events';
import type { Relay } from './relay';
import { RunPanel } from './runPanel';
import { sendFollowUp } from './conversations';
import { canRerun, folderOf, rerunRecord, rerunWithoutCache } from './runs';
import type { RunEntry, RunsFilter, RunsNode } from './runsView';

/** A run, or what names one: a Runs view node, or a run id (tests, keybindings). */
export type RunRef = RunsNode | string | undefined;

/** The run a command is about: the argument, else one picked from the Runs view's list. */
export async function runEntry(relay: Relay, ref: RunRef, title: string, only?: (e: RunEntry) => boolean): Promise<RunEntry | undefined> {
  const view = relay.runsView;
  if (!view) return undefined;
  if (ref && typeof ref === 'object' && ref.kind === 'run') return ref.entry;
  // An id names any run, a conversation's later turns too; the list offers each conversation once.
  if (typeof ref === 'string') return (await view.entries(false, false)).filter(only ?? (() => true)).find((e) => e.id === ref);
  const entries = (await view.entries()).filter(only ?? (() => true));
  const pick = await vscode.window.showQuickPick(
    entries.map((e) => ({ label: e.prompt.replace(/\s+/g, ' ').slice(0, 80), description: `${e.agentName} · ${e.state === 'finished' ? e.status : e.state}`, entry: e })),
    { title, placeHolder: vscode.l10n.t('Which run?'), matchOnDescription: true },
  );
  return pick?.entry;
}

async function eventsOf(relay: Relay, e: RunEntry): Promise<readonly SeqEvent[] | undefined> {
  return e.run ? e.run.eventsAfter(0) : relay.workspaceHistory()?.readEvents(e.id);
}

export async function openRun(relay: Relay, ref?: RunRef): Promise<void> {
  const e = await runEntry(relay, ref, vscode.l10n.t('Agent Relay: Open Run'));
  if (e) RunPanel.show(relay, { id: e.id, agentName: e.agentName, prompt: e.prompt, conversation: e.conversationId ? { conversationId: e.conversationId } : undefined }, { focus: true });
}

/** Runs the same prompt again in its folder; returns the new run's id. */
export async function rerun(relay: Relay, ref?: RunRef, noCache = false): Promise<string | undefined> {
  const e = await runEntry(relay, ref, noCache ? vscode.l10n.t('Agent Relay: Re-run Without Cache') : vscode.l10n.t('Agent Relay: Re-run'));
  if (!e) return undefined;
  const next = e.run && canRerun(e.run) ? rerunWithoutCache(relay, e.run, noCache) : e.record && folderOf(e.record) ? rerunRecord(relay, e.record, { noCache }) : undefined;
  if (!next) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Agent Relay: this run\'s folder is not open in this window, so it cannot be run again here.'));
    return undefined;
  }
  return next.id;
}

/** Copies the whole answer (the run's text, exactly as the agent sent it). Returns it. */
export async function copyAnswer(relay: Relay, ref?: RunRef): Promise<string | undefined> {
  const picked = await runEntry(relay, ref, vscode.l10n.t('Agent Relay: Copy Answer'));
  // A conversation's answer is its latest turn's.
  const e = picked?.turns?.at(-1) ?? picked;
  if (!e) return undefined;
  const answer = ((await eventsOf(relay, e)) ?? []).flatMap((x) => (x.event.type === 'text' ? [x.event.text] : [])).join('');
  await vscode.env.clipboard.writeText(answer);
  void vscode.window.setStatusBarMessage(vscode.l10n.t({ message: 'Agent Relay: copied the answer ({0} characters)', args: [answer.length], comment: '{0} is a number' }), 3000);
  return answer;
}

/** Deletes a finished run from the history. Returns whether it was deleted. */
export async function deleteRun(relay: Relay, ref?: RunRef): Promise<boolean> {
  const e = await runEntry(relay, ref, vscode.l10n.t('Agent Relay: Delete Run'), (x) => x.state === 'finished');
  if (!e) return false;
  if (e.state !== 'finished') {
    void vscode.window.showWarningMessage(vscode.l10n.t('Agent Relay: cancel the run before deleting it.'));
    return false;
  }
  const deleted = await relay.deleteFromHistory(e.id);
  const forgotten = relay.runs.forget(e.id);
  relay.runsView?.refresh();
  return deleted || forgotten;
}

/** Which agents and statuses the Runs view shows. */
export async function filterRuns(relay: Relay, filter?: RunsFilter): Promise<void> {
  const view = relay.runsView;
  if (!view) return;
  if (filter === undefined) {
    const current = view.filter;
    const statuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed-out'] as const;
    type Item = vscode.QuickPickItem & { agent?: string; status?: (typeof statuses)[number] };
    const items: Item[] = [
      { label: vscode.l10n.t('Agents'), kind: vscode.QuickPickItemKind.Separator },
      ...relay.catalog.all().map((a) => ({ label: a.displayName, description: a.id, agent: a.id, picked: current.agents?.includes(a.id) })),
      { label: vscode.l10n.t('Status'), kind: vscode.QuickPickItemKind.Separator },
      ...statuses.map((s) => ({ label: s, status: s, picked: current.statuses?.includes(s) })),
    ];
    const picked = await vscode.window.showQuickPick(items, { canPickMany: true, title: vscode.l10n.t('Agent Relay: Filter Runs'), placeHolder: vscode.l10n.t('Pick nothing to show every run') });
    if (!picked) return;
    filter = { agents: picked.flatMap((i) => (i.agent ? [i.agent] : [])), statuses: picked.flatMap((i) => (i.status ? [i.status] : [])) };
  }
  await view.setFilter(filter);
}

/**
 * Sends a follow-up to a conversation (the active panel's, the Runs view's
 * item, a run id, or one picked), as the panel's reply box does, and shows
 * the conversation's panel. Returns the follow-up's run id once it finished.
 */
export async function followUp(relay: Relay, ref?: RunRef, prompt?: string): Promise<string | undefined> {
  const e = await runEntry(relay, ref ?? RunPanel.activeRunId(), vscode.l10n.t('Agent Relay: Follow Up'), (x) => x.state === 'finished');
  if (!e) return undefined;
  const conversationId = e.conversationId ?? e.id;
  const text =
    prompt ??
    (await vscode.window.showInputBox({
      title: vscode.l10n.t('Agent Relay: Follow Up'),
      prompt: vscode.l10n.t({ message: 'The next turn of the conversation with {0}', args: [e.agentName], comment: '{0} is an agent, e.g. Claude Code' }),
      ignoreFocusOut: true,
    }));
  if (!text?.trim()) return undefined;
  RunPanel.show(relay, { id: conversationId, agentName: e.agentName, prompt: (e.turns?.[0] ?? e).prompt }, { focus: true });
  return (await sendFollowUp(relay, conversationId, text)).id;
}
