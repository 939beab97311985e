// What the run panel shows, as plain data: a pure reducer over agent events.
// The webview renders it. Text is kept in chunks (textChunks.ts) so a huge
// answer is never one string the panel has to copy or redraw.
import type { AgentEvent, CacheEvent, RunOutcome } from '../core/agents/events';
import { appendText, chunkedText, wholeText, type ChunkedText } from './textChunks';

export type TextItem = { kind: 'text' | 'thinking'; body: ChunkedText };

/**
 * Not an agent event: the panel's marker between two turns of a conversation,
 * which the host puts into the panel's event stream before a turn's events.
 */
export interface TurnEvent {
  type: 'turn';
  turn: number;
  /** The user's words (without attached context). */
  prompt: string;
  /** What happened with the agent's session ("continued in a new session…"). */
  note?: string;
}

export type PanelEvent = AgentEvent | TurnEvent;

/** An earlier turn's footer, kept in the transcript when the next turn begins. */
export interface TurnFooter {
  kind: 'footer';
  status: string;
  duration: string;
  tokens: string;
  cost: string;
  cache: string;
}

export type TranscriptItem =
  | TextItem
  | { kind: 'turn'; turn: number; prompt: string; note?: string }
  | TurnFooter
  | { kind: 'tool'; id: string; name: string; input: unknown; result?: { output: string; isError: boolean } }
  | { kind: 'notice'; message: string }
  | { kind: 'error'; message: string };

export interface Transcript {
  items: TranscriptItem[];
  model?: string;
  agentVersion?: string;
  usage?: { inputTokens?: number; outputTokens?: number; costUsd?: number };
  /** What the response cache did: a hit (answer replayed) or whether this run was stored. */
  cache?: CacheEvent;
  /** What the run waits for right now (a retry, the rate limit), until its next event. */
  waiting?: string;
  outcome?: RunOutcome;
}

export function emptyTranscript(): Transcript {
  return { items: [] };
}

/**
 * Applies one event; returns the index of the item that changed (so a view can
 * redraw only that one), or -1 when only the header/footer changed.
 */
export function applyEvent(t: Transcript, e: PanelEvent): number {
  const last = t.items[t.items.length - 1];
  t.waiting = undefined;
  switch (e.type) {
    case 'turn': {
      // The turn before keeps its footer in the transcript; the panel's own footer is the new turn's.
      if (t.outcome) t.items.push({ kind: 'footer', ...formatFooter(t, 0, 0), cache: formatCacheBadge(t) });
      t.outcome = undefined;
      t.usage = undefined;
      t.cache = undefined;
      return t.items.push({ kind: 'turn', turn: e.turn, prompt: e.prompt, note: e.note }) - 1;
    }
    case 'retry':
      t.waiting = `Retrying (attempt ${e.attempt} of ${e.maxAttempts})…`;
      return t.items.push({ kind: 'notice', message: `Retrying in ${formatDelay(e.delayMs)} (attempt ${e.attempt} of ${e.maxAttempts}): ${e.reason}` }) - 1;
    case 'waiting':
      t.waiting = 'Waiting for the rate limit…';
      return t.items.push({ kind: 'notice', message: `Waiting ${formatDelay(e.delayMs)} for the rate limit: ${e.detail}.` }) - 1;
    case 'started':
      t.model = e.model;
      t.agentVersion = e.agentVersion;
      return -1;
    case 'text':
    case 'thinking':
      if (last && last.kind === e.type) {
        appendText(last.body, e.text);
        return t.items.length - 1;
      }
      return t.items.push({ kind: e.type, body: chunkedText(e.text) }) - 1;
    case 'tool-use':
      return t.items.push({ kind: 'tool', id: e.id, name: e.name, input: e.input }) - 1;
    case 'tool-result': {
      for (let i = t.items.length - 1; i >= 0; i--) {
        const item = t.items[i];
        if (item.kind === 'tool' && item.id === e.toolUseId) {
          item.result = { output: e.output, isError: e.isError };
          return i;
        }
      }
      return t.items.push({ kind: 'tool', id: e.toolUseId, name: 'tool', input: undefined, result: { output: e.output, isError: e.isError } }) - 1;
    }
    case 'usage':
      t.usage = { inputTokens: e.inputTokens, outputTokens: e.outputTokens, costUsd: e.costUsd };
      return -1;
    case 'notice':
      return t.items.push({ kind: 'notice', message: e.message }) - 1;
    case 'error':
      return t.items.push({ kind: 'error', message: e.message }) - 1;
    case 'cache':
      // A miss that can say why is worth a line; a plain miss is not.
      if (e.status === 'miss') return e.reason ? t.items.push({ kind: 'notice', message: `Not from cache: ${e.reason}` }) - 1 : -1;
      if (e.status === 'hit' || !t.cache || t.cache.status !== 'hit') t.cache = e;
      return -1;
    case 'done':
      t.outcome = e.outcome;
      // A failure the agent did not already explain in the stream gets shown once.
      if (e.outcome.status === 'failed' && e.outcome.message && !t.items.some((i) => i.kind === 'error' && i.message === e.outcome.message)) {
        return t.items.push({ kind: 'error', message: e.outcome.message }) - 1;
      }
      return -1;
    default:
      return -1;
  }
}

/** An item's whole text: a text or thinking item's, a notice's or error's message, a tool call's summary, input and output. */
export function itemText(item: TranscriptItem): string {
  switch (item.kind) {
    case 'text':
    case 'thinking':
      return wholeText(item.body);
    case 'tool':
      return [toolSummary(item.name, item.input), stringify(item.input), item.result?.output ?? ''].join('\n');
    case 'turn':
      return [item.prompt, item.note ?? ''].join('\n');
    case 'footer':
      return [item.status, item.duration, item.tokens, item.cost, item.cache].filter(Boolean).join(' · ');
    default:
      return item.message;
  }
}

/** The answer: the text of the last turn (the only one, for a single run), as the agent sent it. */
export function answerText(t: Transcript): string {
  let from = 0;
  for (let i = t.items.length - 1; i >= 0; i--) if (t.items[i].kind === 'turn') { from = i + 1; break; }
  return t.items.slice(from).map((i) => (i.kind === 'text' ? wholeText(i.body) : '')).join('');
}

/** A tool's input as the panel shows it. */
export function stringify(value: unknown): string {
  if (value === undefined) return '';
  try {
    return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

/** One-line tool summary: `Bash: echo hello`. */
export function toolSummary(name: string, input: unknown): string {
  const o = input && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  const main = o.command ?? o.file_path ?? o.path ?? o.pattern ?? o.url ?? o.query ?? o.description;
  return typeof main === 'string' ? `${name}: ${main.split('\n')[0].slice(0, 120)}` : name;
}

/** "From cache · 3 h old · saved 12.3 s, 1.2k tokens, $0.02", or '' when the answer is not from the cache. */
export function formatCacheBadge(t: Transcript): string {
  const c = t.cache;
  if (!c || c.status !== 'hit') return '';
  const saved = [
    c.savedMs !== undefined && formatDuration(c.savedMs),
    c.savedTokens !== undefined && `${fmt(c.savedTokens)} tokens`,
    c.savedCostUsd !== undefined && formatCost(c.savedCostUsd),
  ].filter(Boolean);
  return `From cache · ${formatAge(c.ageMs)} old${saved.length ? ` · saved ${saved.join(', ')}` : ''}`;
}

function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

/** "4 s", "0.8 s": a wait announced ahead. */
function formatDelay(ms: number): string {
  return ms < 1000 ? `${(Math.max(0, ms) / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

function formatDuration(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function formatCost(usd: number): string {
  return `$${usd < 0.01 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

/** "Queued", "Queued (2nd in line)". */
export function formatQueued(position: number | undefined): string {
  if (!position) return 'Queued';
  const suffix = position % 100 >= 11 && position % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][position % 10] ?? 'th';
  return position === 1 ? 'Queued (next in line)' : `Queued (${position}${suffix} in line)`;
}

/** Footer figures, formatted. */
export function formatFooter(t: Transcript, now: number, startedAt: number): { status: string; duration: string; tokens: string; cost: string } {
  const o = t.outcome;
  const status = !o
    ? (t.waiting ?? 'Running…')
    : o.status === 'succeeded'
      ? 'Done'
      : o.status === 'cancelled'
        ? 'Cancelled'
        : o.status === 'timed-out'
          ? 'Timed out'
          : 'Failed';
  const duration = formatDuration(o ? o.durationMs : Math.max(0, now - startedAt));
  const u = t.usage;
  const tokens = u && (u.inputTokens !== undefined || u.outputTokens !== undefined) ? `${fmt(u.inputTokens)} in · ${fmt(u.outputTokens)} out` : '';
  const cost = u?.costUsd !== undefined ? formatCost(u.costUsd) : '';
  return { status, duration, tokens, cost };
}

function fmt(n: number | undefined): string {
  if (n === undefined) return '?';
  return n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}
