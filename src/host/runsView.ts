import * as vscode from 'vscode';
import type { HistoryRecord } from '../core/history/historyRecord';
import type { AgentRun } from '../core/run/agentRun';
import type { Relay } from './relay';

/** A run as the Runs view shows it: live from the registry, or finished from the history. */
export interface RunEntry {
  id: string;
  agentId: string;
  agentName: string;
  prompt: string;
  context?: string;
  state: 'queued' | 'running' | 'finished';
  status?: HistoryRecord['status'];
  finishedAt?: number;
  createdAt: number;
  durationMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  cache?: HistoryRecord['cache'];
  queuePosition?: number;
  /** A turn of a conversation after its first: the first turn's run id, and its place. */
  conversationId?: string;
  turn?: number;
  /** On a conversation's first turn: every turn, oldest first (the entry shows the latest one's state). */
  turns?: RunEntry[];
  /** One of several agents asked the same prompt at once. */
  groupId?: string;
  groupIndex?: number;
  /** On a group's entry: its runs, in column order. */
  members?: RunEntry[];
  /** The live run, while this window holds it. */
  run?: AgentRun;
  /** The history's record, once written. */
  record?: HistoryRecord;
}

type GroupNode = { kind: 'group'; id: string; label: string; entries: RunEntry[] };
type RunNode = { kind: 'run'; entry: RunEntry };
export type RunsNode = GroupNode | RunNode;

/** Which runs the view shows (kept per workspace). */
export interface RunsFilter {
  agents?: string[];
  statuses?: Array<'queued' | 'running' | HistoryRecord['status']>;
}

const FILTER_KEY = 'agentRelay.runs.filter';

function entryOfRun(relay: Relay, run: AgentRun): RunEntry {
  const r = run.record;
  const events = run.eventsAfter(0).map((e) => e.event);
  const usage = [...events].reverse().find((e) => e.type === 'usage');
  const cacheHit = events.some((e) => e.type === 'cache' && e.status === 'hit');
  return {
    id: r.id,
    agentId: r.agentId,
    agentName: r.agentName,
    prompt: r.prompt,
    context: r.context,
    state: r.state,
    status: r.outcome?.status,
    finishedAt: r.finishedAt,
    createdAt: r.createdAt,
    durationMs: r.outcome?.durationMs,
    inputTokens: usage?.type === 'usage' ? usage.inputTokens : undefined,
    outputTokens: usage?.type === 'usage' ? usage.outputTokens : undefined,
    costUsd: usage?.type === 'usage' ? usage.costUsd : undefined,
    cache: cacheHit ? 'hit' : undefined,
    queuePosition: relay.runs.queuePosition(run),
    conversationId: r.conversation?.conversationId,
    turn: r.conversation?.turn,
    groupId: r.group?.groupId,
    groupIndex: r.group?.index,
    run,
  };
}

/** A group (one prompt, several agents) is one entry, where its first run would be, with its runs below it. */
function groupGroups(entries: RunEntry[]): RunEntry[] {
  const members = new Map<string, RunEntry[]>();
  for (const e of entries) if (e.groupId) members.set(e.groupId, [...(members.get(e.groupId) ?? []), e]);
  const out: RunEntry[] = [];
  const placed = new Set<string>();
  for (const e of entries) {
    const group = e.groupId ? members.get(e.groupId)! : undefined;
    if (!group || group.length < 2) {
      out.push(e);
      continue;
    }
    if (placed.has(e.groupId!)) continue;
    placed.add(e.groupId!);
    const runs = [...group].sort((a, b) => (a.groupIndex ?? 0) - (b.groupIndex ?? 0));
    const active = runs.find((r) => r.state !== 'finished');
    out.push({ ...runs[0], state: active ? active.state : 'finished', status: active ? undefined : runs.every((r) => r.status === 'succeeded') ? 'succeeded' : 'failed', members: runs, durationMs: undefined, inputTokens: undefined, outputTokens: undefined, costUsd: runs.every((r) => r.costUsd !== undefined) ? runs.reduce((n, r) => n + r.costUsd!, 0) : undefined, cache: undefined, run: undefined });
  }
  return out;
}

/**
 * A conversation is one entry: its first turn's, showing the latest turn's
 * state and figures, with every turn below it. A later turn whose first turn
 * is gone (deleted) stays an entry of its own.
 */
function groupConversations(entries: RunEntry[]): RunEntry[] {
  const later = new Map<string, RunEntry[]>();
  for (const e of entries) if (e.conversationId && e.conversationId !== e.id) later.set(e.conversationId, [...(later.get(e.conversationId) ?? []), e]);
  const firsts = new Set(entries.filter((e) => later.has(e.id)).map((e) => e.id));
  const out: RunEntry[] = [];
  for (const e of entries) {
    if (e.conversationId && e.conversationId !== e.id && firsts.has(e.conversationId)) continue;
    const rest = later.get(e.id);
    if (!rest) {
      out.push(e);
      continue;
    }
    const turns = [e, ...rest].sort((a, b) => (a.turn ?? 1) - (b.turn ?? 1));
    const latest = turns[turns.length - 1];
    out.push({ ...e, state: latest.state, status: latest.status, finishedAt: latest.finishedAt ?? e.finishedAt, durationMs: latest.durationMs, inputTokens: latest.inputTokens, outputTokens: latest.outputTokens, costUsd: latest.costUsd, cache: latest.cache, queuePosition: latest.queuePosition, run: latest.run ?? e.run, turns });
  }
  return out;
}

function entryOfRecord(record: HistoryRecord): RunEntry {
  return { ...record, state: 'finished', record };
}


/** "Today", "Yesterday", or the date, for a day group. */
function dayLabel(ms: number, now = new Date()): string {
  const d = new Date(ms);
  const day = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const diff = Math.round((day(now) - day(d)) / 86_400_000);
  if (diff === 0) return vscode.l10n.t('Today');
  if (diff === 1) return vscode.l10n.t('Yesterday');
  return d.toLocaleDateString(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' });
}

const ICONS: Record<string, [string, string?]> = {
  queued: ['clock'],
  running: ['sync~spin'],
  succeeded: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash'],
  'timed-out': ['watch', 'problemsWarningIcon.foreground'],
};

function formatTokens(n: number | undefined): string {
  return n === undefined ? '?' : n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}

/**
 * The "Runs" view: queued and running runs of this window, then finished
 * runs from the history (this window's, other windows', the headless CLI's),
 * grouped by day. Read from the run registry and the history store when the
 * view is first shown, never at activation.
 */
export class RunsView implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private view: vscode.TreeView<RunsNode> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private subscribed = false;

  constructor(private readonly relay: Relay) {}

  /** The tree view, made by activate() (no data is read until it is shown). */
  attach(view: vscode.TreeView<RunsNode>): void {
    this.view = view;
    this.showFilter();
    this.disposables.push(view.onDidChangeVisibility((e) => e.visible && this.refresh()));
  }

  get filter(): RunsFilter {
    return this.relay.context.workspaceState.get<RunsFilter>(FILTER_KEY) ?? {};
  }

  async setFilter(filter: RunsFilter): Promise<void> {
    await this.relay.context.workspaceState.update(FILTER_KEY, filter.agents?.length || filter.statuses?.length ? filter : undefined);
    this.showFilter();
    this.refresh();
  }

  /** Reads again (soon: many changes at once are one refresh). */
  refresh(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire(undefined);
    }, 100);
  }

  /** Every run the view knows (filtered as the view is, unless `filtered` is false): the registry's, then the history's (newest first, a run the registry holds only once). */
  async entries(filtered = true, grouped = true): Promise<RunEntry[]> {
    this.subscribe();
    const live = this.relay.runs.all().map((r) => entryOfRun(this.relay, r));
    const known = new Set(live.map((e) => e.id));
    const history = (await this.relay.workspaceHistory()?.list())?.records ?? [];
    const all = (grouped ? (x: RunEntry[]) => groupGroups(groupConversations(x)) : (x: RunEntry[]) => x)([...live.filter((e) => e.state !== 'finished').reverse(), ...[...live.filter((e) => e.state === 'finished'), ...history.filter((r) => !known.has(r.id)).map(entryOfRecord)].sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0))]);
    const f = filtered ? this.filter : {};
    return all.filter((e) => (!f.agents?.length || f.agents.includes(e.agentId)) && (!f.statuses?.length || f.statuses.includes(e.state === 'finished' ? e.status! : e.state)));
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    if (node?.kind === 'group') return node.entries.map((entry) => ({ kind: 'run', entry }));
    if (node?.kind === 'run' && node.entry.members) return node.entry.members.map((entry) => ({ kind: 'run', entry }));
    if (node?.kind === 'run' && node.entry.turns && !node.entry.conversationId) return node.entry.turns.map((t) => ({ kind: 'run', entry: { ...t, conversationId: t.conversationId ?? node.entry.id, turns: undefined } }));
    if (node) return [];
    const entries = await this.entries();
    const groups: GroupNode[] = [];
    const active = entries.filter((e) => e.state !== 'finished');
    if (active.length) groups.push({ kind: 'group', id: 'active', label: vscode.l10n.t('Queued and running'), entries: active });
    for (const e of entries.filter((x) => x.state === 'finished')) {
      const label = dayLabel(e.finishedAt ?? e.createdAt);
      const last = groups[groups.length - 1];
      if (last && last.id !== 'active' && last.label === label) last.entries.push(e);
      else groups.push({ kind: 'group', id: `day:${label}`, label, entries: [e] });
    }
    return groups;
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${node.id}`;
      item.description = String(node.entries.length);
      return item;
    }
    const e = node.entry;
    const words = e.prompt.replace(/\s+/g, ' ').trim();
    const isConversation = Boolean(e.turns && !e.conversationId);
    const isGroup = Boolean(e.members);
    const item = new vscode.TreeItem(words.length > 60 ? `${words.slice(0, 60)}…` : words, isConversation || isGroup ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = isGroup ? `group:${e.groupId}` : e.conversationId ? `turn:${e.id}` : `run:${e.id}`;
    const [icon, color] = ICONS[e.state === 'finished' ? (e.status ?? 'failed') : e.state];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    const parts = [
      isGroup ? vscode.l10n.t({ message: '{0} agents', args: [e.members!.length], comment: '{0} is a number, 2 or more' }) : e.agentName,
      isConversation ? vscode.l10n.t({ message: '{0} turns', args: [e.turns!.length], comment: '{0} is a number, 2 or more' }) : e.conversationId ? vscode.l10n.t({ message: 'turn {0}', args: [e.turn ?? 1], comment: '{0} is a number' }) : undefined,
      e.state === 'queued' ? (e.queuePosition ? vscode.l10n.t({ message: 'queued, {0} in line', args: [e.queuePosition], comment: '{0} is a place in the queue, 1 = next' }) : vscode.l10n.t('queued')) : undefined,
      e.durationMs !== undefined ? `${(e.durationMs / 1000).toFixed(1)} s` : undefined,
      e.inputTokens !== undefined || e.outputTokens !== undefined ? `${formatTokens(e.inputTokens)}/${formatTokens(e.outputTokens)}` : undefined,
      e.costUsd !== undefined ? `$${e.costUsd < 0.01 ? e.costUsd.toFixed(4) : e.costUsd.toFixed(2)}` : undefined,
      e.cache === 'hit' ? vscode.l10n.t('from cache') : undefined,
    ].filter(Boolean);
    item.description = parts.join(' · ');
    // Untrusted, and the prompt (the user's) and names (an extension's) go in as text.
    const tooltip = new vscode.MarkdownString();
    tooltip.appendMarkdown('**').appendText(e.agentName).appendMarkdown('** · ').appendText(e.state === 'finished' ? (e.status ?? '') : e.state).appendMarkdown('\n\n').appendText(e.prompt.slice(0, 500));
    if (e.context) tooltip.appendMarkdown('\n\n+ ').appendText(e.context);
    item.tooltip = tooltip;
    item.contextValue = isGroup ? `group.${e.state}` : `run.${e.state}${e.cache === 'hit' ? '.cached' : ''}`;
    if (!isGroup) item.command = { command: 'agentRelay.openRun', title: vscode.l10n.t('Open'), arguments: [node] };
    return item;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  /** Follows the registry and the history once the view has been read. */
  private subscribe(): void {
    if (this.subscribed) return;
    this.subscribed = true;
    this.disposables.push(new vscode.Disposable(this.relay.runs.onDidChange(() => this.refresh())), this.relay.onDidChangeHistory(() => this.refresh()));
  }

  private showFilter(): void {
    if (!this.view) return;
    const f = this.filter;
    const parts = [...(f.agents ?? []), ...(f.statuses ?? [])];
    this.view.description = parts.length ? vscode.l10n.t({ message: 'filtered: {0}', args: [parts.join(', ')], comment: '{0} lists agent ids and statuses' }) : undefined;
  }
}
