import type { AgentEvent, RunOutcome, RunStatus, SeqEvent } from '../agents/events';
import { num, obj, str } from '../util/json';

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Run ids name files in the history: nothing else may. */
export function isRunId(id: string): boolean {
  return RUN_ID.test(id);
}

/** Bump when the record's shape changes incompatibly: older records are then skipped, not misread. */
export const HISTORY_SCHEMA = 1;

/**
 * A finished run as the history keeps it: what the Runs view shows and what a
 * re-run needs. Small (the events are in their own file). Written by one
 * process, never changed after.
 */
export interface HistoryRecord {
  schema: typeof HISTORY_SCHEMA;
  id: string;
  agentId: string;
  agentName: string;
  /** The user's words. */
  prompt: string;
  /** What the agent received (the words plus attached context), for re-runs. */
  fullPrompt: string;
  /** Label of the attached context ("src/app.ts:10-24"). */
  context?: string;
  cwd: string;
  status: RunStatus;
  createdAt: number;
  startedAt?: number;
  finishedAt: number;
  durationMs: number;
  inputTokens?: number;
  outputTokens?: number;
  /** Only when the agent reported it: never a guess. */
  costUsd?: number;
  cache?: 'hit' | 'stored' | 'miss' | 'not-stored';
  /** Why it did not succeed, first line. */
  message?: string;
  /** Characters of answer text. */
  answerChars: number;
  /** Events in the log (the last is `done`). */
  events: number;
  /** A turn of a conversation: the first turn's run id, this turn's place (1-based), and the place it asks again, if it does. */
  conversationId?: string;
  turn?: number;
  replaces?: number;
  /** What happened with the agent's session for this turn (forked, asked again). */
  note?: string;
  /** One of several agents asked the same prompt at once: the group's id and this run's place in it. */
  groupId?: string;
  groupIndex?: number;
  /** The agent's own session id (its `started` event), which a follow-up resumes. */
  sessionId?: string;
  /** What the run measured (milliseconds unless said), for the performance report and alerts. */
  metrics?: RunMetricsRecord;
}

/** A run's measurements as the history keeps them: plain numbers, each absent when not measured. */
export interface RunMetricsRecord {
  queueWaitMs?: number;
  detectionMs?: number;
  detectionCached?: boolean;
  /** Getting the agent's provider instance: made for this run, or cached from an earlier one. */
  providerCreationMs?: number;
  providerCached?: boolean;
  spawnToFirstByteMs?: number;
  firstOutputMs?: number;
  cacheLookupMs?: number;
  retries?: number;
  eventsPerSec?: number;
  charsPerSec?: number;
  /** From a line arriving in the host to its text drawn in a panel: percentiles over the events a panel acked. */
  forwardingP50Ms?: number;
  forwardingP95Ms?: number;
  forwardingP99Ms?: number;
  forwardingEvents?: number;
}

export const METRIC_NAMES = ['queueWaitMs', 'detectionMs', 'providerCreationMs', 'spawnToFirstByteMs', 'firstOutputMs', 'cacheLookupMs', 'retries', 'eventsPerSec', 'charsPerSec', 'forwardingP50Ms', 'forwardingP95Ms', 'forwardingP99Ms', 'forwardingEvents'] as const;

/** Only finite, non-negative numbers (and the one flag) come back from disk. */
function parseMetrics(v: unknown): RunMetricsRecord | undefined {
  const o = obj(v);
  if (!o) return undefined;
  const out: RunMetricsRecord = {};
  for (const k of METRIC_NAMES) {
    const n = num(o[k]);
    if (n !== undefined && n >= 0) out[k] = n;
  }
  if (typeof o.detectionCached === 'boolean') out.detectionCached = o.detectionCached;
  if (typeof o.providerCached === 'boolean') out.providerCached = o.providerCached;
  return Object.keys(out).length ? out : undefined;
}

/** A finished run as the run registry knows it (its RunRecord, and the prompt the agent received). */
export interface FinishedRun {
  id: string;
  agentId: string;
  agentName: string;
  prompt: string;
  fullPrompt: string;
  context?: string;
  cwd: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  outcome?: RunOutcome;
  conversation?: { conversationId: string; turn: number; replaces?: number; note?: string };
  group?: { groupId: string; index: number };
  metrics?: RunMetricsRecord;
}

/** The record of a finished run, from its registry record and its events. */
export function historyRecord(run: FinishedRun, events: readonly SeqEvent[]): HistoryRecord {
  const outcome = run.outcome ?? { status: 'failed' as const, durationMs: 0 };
  let usage: Extract<AgentEvent, { type: 'usage' }> | undefined;
  let cache: HistoryRecord['cache'];
  let answerChars = 0;
  let sessionId: string | undefined;
  for (const { event: e } of events) {
    if (e.type === 'started' && e.sessionId) sessionId = e.sessionId;
    else if (e.type === 'usage') usage = e;
    else if (e.type === 'text') answerChars += e.text.length;
    else if (e.type === 'cache' && (e.status === 'hit' || cache !== 'hit')) cache = e.status;
  }
  return {
    schema: HISTORY_SCHEMA,
    id: run.id,
    agentId: run.agentId,
    agentName: run.agentName,
    prompt: run.prompt,
    fullPrompt: run.fullPrompt,
    context: run.context,
    cwd: run.cwd,
    status: outcome.status,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? Date.now(),
    durationMs: outcome.durationMs,
    inputTokens: usage?.inputTokens,
    outputTokens: usage?.outputTokens,
    costUsd: usage?.costUsd,
    cache,
    message: outcome.status === 'succeeded' ? undefined : outcome.message?.split('\n')[0].slice(0, 500),
    answerChars,
    events: events.length,
    ...(run.conversation && { conversationId: run.conversation.conversationId, turn: run.conversation.turn, replaces: run.conversation.replaces, note: run.conversation.note?.slice(0, 500) }),
    ...(run.group && { groupId: run.group.groupId, groupIndex: run.group.index }),
    sessionId,
    ...(run.metrics && { metrics: run.metrics }),
  };
}

const STATUSES = new Set<RunStatus>(['succeeded', 'failed', 'cancelled', 'timed-out']);
const CACHE = new Set(['hit', 'stored', 'miss', 'not-stored']);

/** A record read back from disk, checked field by field; undefined when it is not one (damaged, another version). */
export function parseHistoryRecord(bytes: Buffer): HistoryRecord | undefined {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const o = obj(v);
  if (!o || o.schema !== HISTORY_SCHEMA) return undefined;
  const need = [str(o.id), str(o.agentId), str(o.agentName), str(o.prompt), str(o.fullPrompt), str(o.cwd)];
  if (need.some((x) => x === undefined) || !STATUSES.has(o.status as RunStatus)) return undefined;
  if ([num(o.createdAt), num(o.finishedAt), num(o.durationMs), num(o.answerChars), num(o.events)].some((x) => x === undefined)) return undefined;
  return {
    schema: HISTORY_SCHEMA,
    id: o.id as string,
    agentId: o.agentId as string,
    agentName: o.agentName as string,
    prompt: o.prompt as string,
    fullPrompt: o.fullPrompt as string,
    context: str(o.context),
    cwd: o.cwd as string,
    status: o.status as RunStatus,
    createdAt: o.createdAt as number,
    startedAt: num(o.startedAt),
    finishedAt: o.finishedAt as number,
    durationMs: o.durationMs as number,
    inputTokens: num(o.inputTokens),
    outputTokens: num(o.outputTokens),
    costUsd: num(o.costUsd),
    cache: CACHE.has(o.cache as string) ? (o.cache as HistoryRecord['cache']) : undefined,
    message: str(o.message),
    answerChars: o.answerChars as number,
    events: o.events as number,
    // A conversation's fields are all there and well formed, or the record is a single run.
    ...conversationFields(o),
    ...(typeof o.groupId === 'string' && isRunId(o.groupId) && Number.isInteger(o.groupIndex) && (o.groupIndex as number) >= 0 ? { groupId: o.groupId, groupIndex: o.groupIndex as number } : {}),
    sessionId: typeof o.sessionId === 'string' && /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(o.sessionId) ? o.sessionId : undefined,
    ...(parseMetrics(o.metrics) && { metrics: parseMetrics(o.metrics) }),
  };
}

function conversationFields(o: Record<string, unknown>): Pick<HistoryRecord, 'conversationId' | 'turn' | 'replaces' | 'note'> {
  const turn = num(o.turn);
  if (typeof o.conversationId !== 'string' || !isRunId(o.conversationId) || turn === undefined || !Number.isInteger(turn) || turn < 1) return {};
  const replaces = num(o.replaces);
  return {
    conversationId: o.conversationId,
    turn,
    replaces: replaces !== undefined && Number.isInteger(replaces) && replaces >= 1 && replaces < turn ? replaces : undefined,
    note: str(o.note)?.slice(0, 500),
  };
}

/** A run's event log as stored: one SeqEvent a line; lines that are not one (a torn end) are dropped. */
export function encodeLog(events: readonly SeqEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + '\n';
}

export function decodeLog(text: string): SeqEvent[] {
  const out: SeqEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const e = obj(JSON.parse(line));
      if (e && typeof e.seq === 'number' && obj(e.event) && typeof (e.event as { type?: unknown }).type === 'string') out.push(e as unknown as SeqEvent);
    } catch {
      // a torn or damaged line
    }
  }
  return out;
}
