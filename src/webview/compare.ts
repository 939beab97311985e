// The compare panel: one prompt, several agents, a column each. Every column
// is the run panel's own transcript view (TranscriptView, scrolled in its
// column instead of the window), fed by the same `events` messages; the
// summary table comes from the host as it changes.
import { assertNever, type HostToWebview, type PanelSeqEvent, type RunInfo, type WebviewToHost } from '../shared/protocol';
import { applyEvent, emptyTranscript, formatFooter, formatQueued, type Transcript } from '../shared/transcript';
import type { GroupRow } from '../core/run/groupSummary';
import { TranscriptView } from './transcriptView';
import { elementViewport } from './virtualList';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  setState(state: { groupId: string }): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const groupId = document.body.dataset.groupId ?? '';
// What VS Code keeps for a reload: the host restores the comparison from the run history.
if (groupId) vscode.setState({ groupId });
let canRerun = true;
const $ = (id: string) => document.getElementById(id)!;
const columnsEl = $('columns');
const compareButton = $('compare') as HTMLButtonElement;
const rerunButton = $('rerun-failed') as HTMLButtonElement;

interface Column {
  info: RunInfo;
  transcript: Transcript;
  view: TranscriptView;
  lastSeq: number;
  root: HTMLElement;
  status: HTMLElement;
  cancel: HTMLButtonElement;
  /** The worktree bar (runs that may edit): what changed, Review, Apply, Discard. */
  worktree: HTMLElement;
}

const columns = new Map<string, Column>();
const ticked = new Set<string>();
let summary: GroupRow[] = [];
let order: string[] = [];

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(text: string, title: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', undefined, text);
  b.type = 'button';
  b.title = title;
  b.addEventListener('click', onClick);
  return b;
}

function column(info: RunInfo): Column {
  const existing = columns.get(info.runId);
  if (existing) {
    existing.info = info;
    return existing;
  }
  const root = el('section', 'column');
  root.dataset.runId = info.runId;
  const head = el('header', 'column-head');
  const name = el('span', 'column-agent', info.agentName);
  const status = el('span', 'column-status', '');
  status.setAttribute('role', 'status');
  const cancel = button('Cancel', 'Stop this agent', () => vscode.postMessage({ type: 'cancel', runId: info.runId }));
  head.append(
    name,
    status,
    el('span', 'spacer'),
    cancel,
    button('Open', 'Open this run in its own panel', () => vscode.postMessage({ type: 'openRun', runId: info.runId })),
    button('↔', 'Maximise this column (again: show all)', () => {
      const max = !root.classList.contains('maximised');
      for (const c of columns.values()) c.root.classList.toggle('hidden-by-max', max && c.root !== root);
      root.classList.toggle('maximised', max);
    }),
    button('–', 'Collapse this column', () => root.classList.toggle('collapsed')),
  );
  const body = el('div', 'column-body');
  const transcriptEl = el('div', 'column-transcript');
  transcriptEl.setAttribute('role', 'log');
  body.append(transcriptEl);
  const worktree = el('div', 'column-worktree');
  worktree.hidden = true;
  root.append(head, worktree, body);
  columnsEl.append(root);
  const c: Column = { info, transcript: emptyTranscript(), view: new TranscriptView(transcriptEl, elementViewport(body)), lastSeq: 0, root, status, cancel, worktree };
  columns.set(info.runId, c);
  return c;
}

function drawColumn(c: Column): void {
  const queued = c.info.state === 'queued' && !c.transcript.outcome;
  const f = formatFooter(c.transcript, Date.now(), c.info.startedAt ?? Date.now());
  c.status.textContent = queued ? formatQueued(c.info.queuePosition) : [f.status, f.duration].filter(Boolean).join(' · ');
  c.status.dataset.state = c.transcript.outcome?.status ?? (queued ? 'queued' : 'running');
  c.cancel.hidden = Boolean(c.transcript.outcome) || c.info.state === 'finished';
  drawWorktree(c);
}

const WORKTREE_TEXT: Record<string, string> = {
  running: 'Working in its own git worktree (ignored files such as node_modules and .env are not there)',
  applied: 'Applied to the working tree; its worktree is removed',
  discarded: 'Discarded: its worktree and branch are removed',
};

/** What the run changed in its worktree, and what can be done with it (text only: nothing from the host becomes markup). */
function drawWorktree(c: Column): void {
  const w = c.info.worktree;
  c.worktree.hidden = !w;
  if (!w) return;
  const text = el('span', 'worktree-text', w.state === 'ready' || w.state === 'conflict' ? `${w.stat ?? ''} in its worktree` : WORKTREE_TEXT[w.state] ?? '');
  text.title = `${w.branch} · ${w.path}`;
  const parts: HTMLElement[] = [text];
  if (w.state === 'conflict') parts.push(el('span', 'worktree-conflict', `Nothing was applied: ${w.message ?? ''}`));
  if (w.state === 'ready' || w.state === 'conflict') {
    const act = (action: 'review' | 'apply' | 'discard', text: string, title: string) => {
      const b = button(text, title, () => vscode.postMessage({ type: 'worktree', runId: c.info.runId, action }));
      b.dataset.action = action;
      return b;
    };
    const review = act('review', 'Review', 'Open the changes against the snapshot');
    const apply = act('apply', 'Apply', 'Apply these changes to your working tree (checked first: on a conflict nothing changes)');
    review.disabled = apply.disabled = !w.files;
    parts.push(el('span', 'spacer'), review, apply, act('discard', 'Discard', 'Remove this worktree and its branch'));
  }
  c.worktree.dataset.state = w.state;
  c.worktree.replaceChildren(...parts);
}

function onEvents(c: Column, events: PanelSeqEvent[]): void {
  const dirty = new Set<number>();
  for (const e of events) {
    if (e.seq <= c.lastSeq) continue;
    if (e.seq !== c.lastSeq + 1) {
      // A gap: ask for everything again (columns are few and short enough to replay).
      vscode.postMessage({ type: 'ready', runId: groupId, afterSeq: 0 });
      break;
    }
    c.lastSeq = e.seq;
    dirty.add(applyEvent(c.transcript, e.event));
  }
  dirty.delete(-1);
  c.view.sync(c.transcript, dirty);
  drawColumn(c);
}

const secs = (ms?: number) => (ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`);

function drawSummary(): void {
  const body = document.querySelector('#summary-table tbody')!;
  body.replaceChildren(
    ...summary.map((r, i) => {
      const runId = order[i];
      const tr = el('tr');
      tr.dataset.runId = runId;
      const tick = el('input');
      tick.type = 'checkbox';
      tick.checked = ticked.has(runId);
      tick.disabled = r.status !== 'succeeded' && r.status !== 'failed';
      tick.setAttribute('aria-label', `Compare ${r.agentName}'s answer`);
      tick.addEventListener('change', () => {
        if (tick.checked) ticked.add(runId);
        else ticked.delete(runId);
        // Two at most: the oldest tick goes.
        while (ticked.size > 2) ticked.delete(ticked.values().next().value!);
        drawSummary();
      });
      const first = el('td');
      first.append(tick);
      const marks = `${r.fastest ? ' ⚡' : ''}${r.cheapest ? ' $' : ''}`;
      tr.append(
        first,
        el('td', undefined, r.agentName + marks),
        el('td', `status-${r.status}`, r.status),
        el('td', undefined, secs(r.firstOutputMs)),
        el('td', undefined, secs(r.durationMs)),
        el('td', undefined, r.inputTokens !== undefined || r.outputTokens !== undefined ? `${r.inputTokens ?? '?'} / ${r.outputTokens ?? '?'}` : ''),
        el('td', undefined, r.costUsd !== undefined ? `$${r.costUsd.toFixed(4)}` : ''),
        el('td', undefined, r.fromCache ? 'hit' : ''),
        el('td', undefined, r.answerChars ? `${r.answerChars} chars` : ''),
        el('td', undefined, r.filesChanged !== undefined ? String(r.filesChanged) : ''),
      );
      return tr;
    }),
  );
  compareButton.disabled = ticked.size !== 2;
  rerunButton.hidden = !canRerun || !summary.some((r) => r.status === 'failed' || r.status === 'cancelled' || r.status === 'timed-out');
}

window.addEventListener('message', (msg: MessageEvent<HostToWebview>) => {
  const data = msg.data;
  switch (data.type) {
    case 'group':
      if (data.groupId !== groupId) return;
      $('prompt').textContent = data.prompt;
      order = data.columns.map((c) => c.runId);
      // A column whose run was replaced (re-run) goes.
      for (const [id, c] of columns) {
        if (!order.includes(id)) {
          c.root.remove();
          columns.delete(id);
          ticked.delete(id);
        }
      }
      for (const info of data.columns) drawColumn(column(info));
      // Columns in the group's order.
      for (const id of order) columnsEl.append(columns.get(id)!.root);
      summary = data.summary;
      canRerun = data.canRerun !== false;
      drawSummary();
      return;
    case 'events': {
      const c = columns.get(data.runId);
      if (c) onEvents(c, data.events);
      return;
    }
    case 'attach':
    case 'state':
    case 'replyRefused':
    case 'runUnavailable':
    case 'performance':
      return; // the run panel's and the performance view's messages
    default:
      assertNever(data);
  }
});

compareButton.addEventListener('click', () => {
  if (ticked.size !== 2) return;
  const [a, b] = [...ticked];
  vscode.postMessage({ type: 'compareAnswers', runIds: [a, b] });
});
rerunButton.addEventListener('click', () => {
  rerunButton.disabled = true;
  vscode.postMessage({ type: 'rerunFailed', groupId });
  setTimeout(() => (rerunButton.disabled = false), 1500);
});

// The columns' clocks tick while their runs are live.
setInterval(() => {
  for (const c of columns.values()) if (!c.transcript.outcome && c.info.state === 'running') drawColumn(c);
}, 1000);

vscode.postMessage({ type: 'ready', runId: groupId, afterSeq: 0 });
