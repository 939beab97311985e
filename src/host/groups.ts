// One prompt, several agents ("Run on Several Agents…"), and comparing what
// they answered in VS Code's diff editor.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type { AgentRun } from '../core/run/agentRun';
import { createRun } from '../core/run/assembly';
import { groupRow, markBest, type GroupRow } from '../core/run/groupSummary';
import { UserInputError, type AttachedContext } from '../core/run/prompt';
import { agentStatus, askPrompt, runFolder, selectionContext } from './pickers';
import type { Relay } from './relay';
import { resolveRunSpec } from './runs';
import { runSettings } from './settings';
import { ComparePanel } from './comparePanel';
import { checkRunSpec, type RunSpec } from '../core/run/runSpec';
import { mayEdit, prepareGroupWorktrees } from '../core/run/groupWorktrees';
import type { WorktreeEntry } from '../core/worktrees/worktrees';
import type { RunEntry } from './runsView';

const LAST_SET_KEY = 'agentRelay.several.lastAgents';

export interface GroupStart {
  groupId: string;
  runIds: string[];
}

/**
 * Submits one run per agent, tagged with one group id, through the queue (a
 * group larger than `agentRelay.run.maxConcurrent` waits its turn, and its
 * panels say so). A run that may edit files (a CLI agent in a mode that is
 * not read-only) works in its own git worktree at a snapshot of the folder's
 * working tree, so the agents' edits stay apart until one is applied; a
 * folder outside git refuses such a group before anything starts.
 */
export async function startGroup(relay: Relay, agentIds: readonly string[], prompt: string, opts: { folder: vscode.WorkspaceFolder; context?: AttachedContext; showPanel?: boolean }): Promise<GroupStart> {
  if (new Set(agentIds).size < 2) throw new UserInputError('Pick two or more different agents.');
  const items = agentIds.map((id) => {
    const agent = relay.catalog.find(id);
    if (!agent) throw new UserInputError(relay.catalog.unknownMessage(id));
    const spec = resolveRunSpec(relay, agent, prompt, { folder: opts.folder, context: opts.context });
    checkRunSpec(spec);
    return { agent, spec, runId: randomUUID() };
  });
  const groupId = randomUUID();
  for (const [index, item] of items.entries()) item.spec = { ...item.spec, group: { groupId, index } };
  const needsWorktrees = items.some((i) => mayEdit(i.agent, i.spec));
  const prepared = needsWorktrees
    ? await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Agent Relay: making a git worktree for each agent that may edit…') }, () =>
        prepareGroupWorktrees(items, opts.folder.uri.fsPath, relay.worktrees.store, { retentionMs: relay.worktrees.retentionMs }),
      )
    : undefined;
  // Built first, all of them: a refused option starts nothing (and leaves no worktree behind).
  let runs: AgentRun[];
  try {
    runs = items.map((item, i) => createRun(prepared?.specs[i] ?? item.spec, relay.runServices, item.runId));
  } catch (err) {
    for (const e of prepared?.entries ?? []) if (e) await relay.worktrees.store.discard(e.runId);
    throw err;
  }
  const entries = (prepared?.entries ?? []).filter((e): e is WorktreeEntry => e !== undefined);
  if (entries.length) {
    relay.worktrees.track(entries);
    for (const run of runs) if (entries.some((e) => e.runId === run.id)) run.addCleanup(() => void relay.worktrees.finished(run.id));
  }
  groupSpecs.set(groupId, { specs: items.map((i) => i.spec), snapshot: prepared?.snapshot, repo: entries[0]?.repo });
  // One compare panel for the group (a column each), not a panel per run.
  if (opts.showPanel !== false) ComparePanel.show(relay, groupId, prompt);
  for (const run of runs) relay.runs.submit(run, { showPanel: false });
  return { groupId, runIds: runs.map((r) => r.id) };
}

/** What each group of this window ran, by column (before any worktree), so that Re-run failed asks the same again. */
const groupSpecs = new Map<string, { specs: RunSpec[]; snapshot?: string; repo?: string }>();

/**
 * Asks again, in their columns, the agents of a group whose latest run did
 * not succeed; a run that had a worktree gets a fresh one at the group's
 * snapshot (the failed one is discarded). Returns the new runs' ids.
 */
export async function rerunFailed(relay: Relay, groupId: string): Promise<string[]> {
  const group = groupSpecs.get(groupId);
  if (!group) return [];
  const failed = groupRuns(relay, groupId).filter((r) => r.state === 'finished' && r.outcome?.status !== 'succeeded');
  const ids: string[] = [];
  for (const r of failed) {
    const index = r.label.group!.index;
    let spec = group.specs[index];
    const runId = randomUUID();
    const old = relay.worktreesIfUsed?.view(r.id);
    if (old && group.snapshot && group.repo) {
      await relay.worktrees.discard(r.id);
      const entry = await relay.worktrees.store.add(group.repo, group.snapshot, runId, r.agentId);
      relay.worktrees.track([entry]);
      spec = { ...spec, cwd: entry.path };
    }
    const run = createRun(spec, relay.runServices, runId);
    if (old) run.addCleanup(() => void relay.worktrees.finished(run.id));
    relay.runs.submit(run, { showPanel: false });
    ids.push(run.id);
  }
  return ids;
}

/**
 * "Run on Several Agents…": agents from the Agents view's selection, the
 * arguments, or a multi-select quick pick that remembers the last set; the
 * prompt is typed once, with the editor's selection attached as for Run Agent.
 */
export async function runOnSeveralAgents(relay: Relay, ref?: unknown, selected?: unknown, prompt?: string): Promise<GroupStart | undefined> {
  const folder = runFolder();
  if (!folder) throw new UserInputError('Agent Relay runs agents in a workspace folder. Open a folder first.');
  if (!vscode.workspace.isTrusted) throw new UserInputError('Agent Relay runs agents only in trusted workspaces.');
  let ids = agentIdsOf(selected) ?? agentIdsOf(ref);
  if (!ids || ids.length < 2) {
    const last = relay.context.workspaceState.get<string[]>(LAST_SET_KEY) ?? [];
    const items = await Promise.all(
      relay.catalog.all().map(async (a) => {
        const status = await agentStatus(relay, a, folder);
        return { label: a.displayName, description: status.text, picked: last.includes(a.id) || (ids?.includes(a.id) ?? false), id: a.id };
      }),
    );
    const picks = await vscode.window.showQuickPick(items, { canPickMany: true, title: vscode.l10n.t('Agent Relay: Run on Several Agents'), placeHolder: vscode.l10n.t('Which agents? (two or more)') });
    if (!picks) return undefined;
    ids = picks.map((p) => p.id);
    if (ids.length < 2) throw new UserInputError('Pick two or more agents.');
  }
  await relay.context.workspaceState.update(LAST_SET_KEY, ids);
  const context = selectionContext(folder);
  let attach = runSettings(folder).attachSelection;
  if (prompt === undefined) {
    const answer = await askPrompt({ displayName: ids.map((id) => relay.catalog.find(id)?.displayName ?? id).join(', ') }, context, attach);
    if (!answer) return undefined;
    prompt = answer.prompt;
    attach = answer.attach;
  }
  return startGroup(relay, ids, prompt, { folder, context: attach ? context : undefined });
}

function agentIdsOf(v: unknown): string[] | undefined {
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(v)) {
    const ids = v.map((x) => (typeof x === 'string' ? x : x && typeof x === 'object' && typeof (x as { agentId?: unknown }).agentId === 'string' ? (x as { agentId: string }).agentId : undefined));
    return ids.every((x): x is string => x !== undefined) ? ids : undefined;
  }
  return undefined;
}

/** The runs of a group this window holds, in their columns' order: the latest run of each column (a re-run replaces it). */
export function groupRuns(relay: Relay, groupId: string): AgentRun[] {
  const byColumn = new Map<number, AgentRun>();
  for (const r of relay.runs.all()) if (r.label.group?.groupId === groupId) byColumn.set(r.label.group.index, r);
  return [...byColumn.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
}

/** The group's summary rows, fastest and cheapest marked. */
export function groupSummary(relay: Relay, groupId: string): GroupRow[] {
  return markBest(
    groupRuns(relay, groupId).map((run) => ({
      ...groupRow({ ...run.record, agentName: run.label.agentName, firstOutputMs: run.metrics.firstOutputMs }, run.eventsAfter(0).map((e) => e.event)),
      filesChanged: relay.worktreesIfUsed?.view(run.id)?.files,
    })),
  );
}

/** Read-only documents holding a run's answer, for the diff editor: `agent-relay-answer:/<runId>/<agent>.md`. */
export class AnswerDocuments implements vscode.TextDocumentContentProvider {
  static readonly scheme = 'agent-relay-answer';
  constructor(private readonly relay: Relay) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const runId = uri.path.split('/')[1] ?? '';
    const events = this.relay.runs.get(runId)?.eventsAfter(0) ?? (await this.relay.workspaceHistory().readEvents(runId)) ?? [];
    return events.flatMap((e) => (e.event.type === 'text' ? [e.event.text] : [])).join('');
  }
}

/**
 * "Compare Answers…": VS Code's diff editor on two runs' answers; two run ids,
 * or two picked from a group (the active panel's, or the newest group).
 */
export async function compareAnswers(relay: Relay, a?: unknown, b?: unknown): Promise<boolean> {
  let pair = typeof a === 'string' && typeof b === 'string' ? [a, b] : undefined;
  const names = new Map<string, string>();
  if (!pair) {
    // A group of the Runs view (live or from the history), the group of a run id, or the newest group of this window.
    const node = a as { kind?: string; entry?: RunEntry } | undefined;
    let runs: Array<{ id: string; agentName: string; status?: string }>;
    if (node?.kind === 'run' && node.entry?.members) runs = node.entry.members.filter((m) => m.state === 'finished').map((m) => ({ id: m.id, agentName: m.agentName, status: m.status }));
    else {
      const groupId = (typeof a === 'string' && relay.runs.get(a)?.label.group?.groupId) || relay.runs.all().filter((r) => r.label.group).at(-1)?.label.group?.groupId;
      runs = (groupId ? groupRuns(relay, groupId).filter((r) => r.state === 'finished') : []).map((r) => ({ id: r.id, agentName: r.label.agentName, status: r.outcome?.status }));
    }
    for (const r of runs) names.set(r.id, r.agentName);
    if (runs.length < 2) throw new UserInputError('Compare Answers needs two finished runs of one group: use "Run on Several Agents…" first.');
    const picks = await vscode.window.showQuickPick(
      runs.map((r) => ({ label: r.agentName, description: r.status, id: r.id })),
      { canPickMany: true, title: vscode.l10n.t('Agent Relay: Compare Answers'), placeHolder: vscode.l10n.t('Pick two answers') },
    );
    if (!picks) return false;
    if (picks.length !== 2) throw new UserInputError('Pick exactly two answers to compare.');
    pair = picks.map((p) => p.id);
  }
  const [left, right] = pair.map((id) => {
    return { id, name: relay.runs.get(id)?.label.agentName ?? names.get(id) ?? id };
  });
  const uri = (x: { id: string; name: string }) => vscode.Uri.from({ scheme: AnswerDocuments.scheme, path: `/${x.id}/${x.name.replace(/[^\w.-]+/g, '-')}.md` });
  await vscode.commands.executeCommand('vscode.diff', uri(left), uri(right), vscode.l10n.t({ message: 'Answers: {0} ↔ {1}', args: [left.name, right.name], comment: 'the diff editor title; {0} and {1} are agents' }));
  return true;
}
