import type { AgentEvent, RunOutcome } from '../agents/events';
import { textTable } from '../util/textTable';

/** One agent's row of a group's summary (one prompt, several agents). */
export interface GroupRow {
  agentId: string;
  agentName: string;
  status: RunOutcome['status'] | 'queued' | 'running';
  /** From start to the first text or tool call. */
  firstOutputMs?: number;
  durationMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  /** Only when the agent reported it: blank otherwise, never a guess. */
  costUsd?: number;
  fromCache: boolean;
  /** Characters of answer text. */
  answerChars: number;
  message?: string;
  /** Files the run changed in its worktree (runs that may edit, in a worktree); absent for the others. */
  filesChanged?: number;
  /** Set on the fastest finished run that succeeded, and the cheapest among those reporting cost. */
  fastest?: boolean;
  cheapest?: boolean;
}

/** A run's row, from its state, outcome and events (live or from the history). */
export function groupRow(run: { agentId: string; agentName: string; state: 'queued' | 'running' | 'finished'; outcome?: RunOutcome; firstOutputMs?: number }, events: Iterable<AgentEvent>): GroupRow {
  let usage: Extract<AgentEvent, { type: 'usage' }> | undefined;
  let answerChars = 0;
  let fromCache = false;
  for (const e of events) {
    if (e.type === 'usage') usage = e;
    else if (e.type === 'text') answerChars += e.text.length;
    else if (e.type === 'cache' && e.status === 'hit') fromCache = true;
  }
  const o = run.outcome;
  return {
    agentId: run.agentId,
    agentName: run.agentName,
    status: run.state === 'finished' && o ? o.status : run.state === 'finished' ? 'failed' : run.state,
    firstOutputMs: run.firstOutputMs,
    durationMs: o?.durationMs,
    inputTokens: usage?.inputTokens,
    outputTokens: usage?.outputTokens,
    costUsd: usage?.costUsd,
    fromCache,
    answerChars,
    message: o && o.status !== 'succeeded' ? o.message?.split('\n')[0].slice(0, 300) : undefined,
  };
}

/**
 * Marks the fastest succeeded run and, among succeeded runs that reported a
 * cost, the cheapest. Answers from the cache are not candidates: replaying
 * them says nothing about the agent. Ties mark every run tied.
 */
export function markBest(rows: GroupRow[]): GroupRow[] {
  const candidates = rows.filter((r) => r.status === 'succeeded' && !r.fromCache);
  const times = candidates.filter((r) => r.durationMs !== undefined);
  const fastest = times.length ? Math.min(...times.map((r) => r.durationMs!)) : undefined;
  const costs = candidates.filter((r) => r.costUsd !== undefined);
  const cheapest = costs.length ? Math.min(...costs.map((r) => r.costUsd!)) : undefined;
  return rows.map((r) => ({
    ...r,
    fastest: fastest !== undefined && candidates.includes(r) && r.durationMs === fastest ? true : undefined,
    cheapest: cheapest !== undefined && candidates.includes(r) && r.costUsd === cheapest ? true : undefined,
  }));
}

/** The summary as a plain-text table (the headless CLI prints it; VS Code shows the same figures). */
export function groupTable(rows: readonly GroupRow[]): string {
  const withFiles = rows.some((r) => r.filesChanged !== undefined);
  const cells = rows.map((r) => [
    `${r.agentName}${r.fastest ? ' ⚡' : ''}${r.cheapest ? ' $' : ''}`,
    r.status,
    r.firstOutputMs !== undefined ? `${(r.firstOutputMs / 1000).toFixed(1)} s` : '',
    r.durationMs !== undefined ? `${(r.durationMs / 1000).toFixed(1)} s` : '',
    r.inputTokens !== undefined || r.outputTokens !== undefined ? `${r.inputTokens ?? '?'} in / ${r.outputTokens ?? '?'} out` : '',
    r.costUsd !== undefined ? `$${r.costUsd.toFixed(4)}` : '',
    r.fromCache ? 'hit' : '',
    String(r.answerChars),
    ...(withFiles ? [r.filesChanged !== undefined ? String(r.filesChanged) : ''] : []),
    r.message ?? '',
  ]);
  const legend = rows.some((r) => r.fastest || r.cheapest) ? '\n⚡ fastest · $ cheapest (of the runs that reported a cost)' : '';
  return textTable(['agent', 'status', 'first output', 'time', 'tokens', 'cost', 'cache', 'answer chars', ...(withFiles ? ['files changed'] : []), ''], cells) + legend;
}
