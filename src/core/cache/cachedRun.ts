import type { AgentEvent, RunOutcome } from '../agents/events';

/** What a cache entry holds: a finished run, ready to replay. */
export interface CachedRun {
  agentId: string;
  /** The run's events, without `done` and without cache events. */
  events: AgentEvent[];
  outcome: RunOutcome;
  /** What replaying it saves compared with running again. */
  saved: { ms: number; tokens?: number; costUsd?: number };
}

/** Savings from the run's own usage report (the last one wins, as the agents report totals). */
export function savingsOf(events: readonly AgentEvent[], outcome: RunOutcome): CachedRun['saved'] {
  const usage = [...events].reverse().find((e) => e.type === 'usage');
  const tokens = usage && usage.type === 'usage' && (usage.inputTokens !== undefined || usage.outputTokens !== undefined) ? (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0) : undefined;
  const costUsd = usage && usage.type === 'usage' ? usage.costUsd : undefined;
  return { ms: outcome.durationMs, tokens, costUsd };
}

/** The events worth recording and replaying (not how the original run waited or retried). */
export function isReplayable(e: AgentEvent): boolean {
  return e.type !== 'done' && e.type !== 'cache' && e.type !== 'retry' && e.type !== 'waiting';
}

/** Parses verified content; undefined when it does not have the expected shape (a writer bug: treated as corrupt). */
export function parseCachedRun(content: Buffer): CachedRun | undefined {
  let v: unknown;
  try {
    v = JSON.parse(content.toString('utf8'));
  } catch {
    return undefined;
  }
  const r = v as Partial<CachedRun> | null;
  if (!r || typeof r !== 'object' || typeof r.agentId !== 'string' || !Array.isArray(r.events)) return undefined;
  if (!r.outcome || typeof r.outcome !== 'object' || r.outcome.status !== 'succeeded') return undefined;
  if (!r.saved || typeof r.saved.ms !== 'number') return undefined;
  return r as CachedRun;
}
