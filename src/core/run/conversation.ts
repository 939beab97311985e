import type { AgentEvent, RunStatus } from '../agents/events';
import { answerOf, type PriorTurn } from '../agents/priorTurns';

/** Which conversation a run is a turn of: the first turn's run id, and its place (1 = the first). */
export interface TurnOf {
  conversationId: string;
  turn: number;
  /**
   * This turn asks the prompt at this place of the conversation (1-based)
   * again for real, because that turn's answer came from the cache.
   */
  replaces?: number;
  /** What happened with the agent's session, said above the turn ("continued in a new session: …"). */
  note?: string;
}

/** What a follow-up needs to know about one earlier turn (from the registry or the history). */
export interface TurnFacts {
  runId: string;
  /** The prompt as it was sent (context attached). */
  prompt: string;
  answer: string;
  /** The agent's session id its `started` event reported. */
  sessionId?: string;
  /** Answered from the response cache: the session id was replayed, not made for this conversation. */
  fromCache: boolean;
  status: RunStatus;
  sessionLost?: boolean;
  replaces?: number;
}

/** A turn's facts from its events. */
export function turnFacts(runId: string, prompt: string, events: Iterable<AgentEvent>, replaces?: number): TurnFacts {
  const list = [...events];
  let sessionId: string | undefined;
  let fromCache = false;
  let status: RunStatus = 'failed';
  let sessionLost = false;
  for (const e of list) {
    if (e.type === 'started' && e.sessionId) sessionId = e.sessionId;
    else if (e.type === 'cache' && e.status === 'hit') fromCache = true;
    else if (e.type === 'done') {
      status = e.outcome.status;
      sessionLost = e.outcome.sessionLost === true;
    }
  }
  return { runId, prompt, answer: answerOf(list), sessionId, fromCache, status, sessionLost, replaces };
}

/**
 * The conversation as the agent's session holds it: the turns in order, where
 * a turn that asks an earlier place again replaces that place and everything
 * after it (those answers came from the cache, not from this session).
 */
export function effectiveTurns(turns: readonly TurnFacts[]): TurnFacts[] {
  const out: TurnFacts[] = [];
  for (const t of turns) {
    if (t.replaces !== undefined && t.replaces >= 1) out.length = Math.min(out.length, t.replaces - 1);
    out.push(t);
  }
  return out;
}

/** The conversation so far, as a follow-up carries it: the model APIs' message history, and every agent's cache key. */
export function priorTurns(turns: readonly TurnFacts[]): PriorTurn[] {
  return effectiveTurns(turns).map((t) => ({ prompt: t.prompt, answer: t.answer }));
}

export type AgentShape = { kind: 'cli'; displayName: string; canFork: boolean } | { kind: 'api'; displayName: string };

/** How a follow-up goes on from the turns so far. */
export type FollowUpPlan =
  /** A CLI agent: resume this session (in a new one when `fork`). */
  | { kind: 'resume'; sessionId: string; fork: boolean; history: PriorTurn[]; note?: string }
  /** A model API (or another extension's provider): resend the history. */
  | { kind: 'history'; history: PriorTurn[] }
  /** First ask turn `turn` (1-based) again for real: its session came from the cache and the agent cannot fork it. */
  | { kind: 'again'; turn: number; note: string }
  | { kind: 'refused'; message: string };

/**
 * The rule for continuing a conversation. A CLI agent resumes the session of
 * the newest turn that has one. A session that came from the cache may be
 * continued by another conversation too, so it is never resumed as it is:
 * agents that can fork continue it in a new session; the others first ask
 * that turn again for real, then continue the new session.
 */
export function planFollowUp(agent: AgentShape, all: readonly TurnFacts[]): FollowUpPlan {
  const turns = effectiveTurns(all);
  if (!turns.length) return { kind: 'refused', message: 'There is no earlier turn to follow up on.' };
  if (agent.kind === 'api') return { kind: 'history', history: priorTurns(turns) };
  const last = turns[turns.length - 1];
  if (last.sessionLost) {
    return { kind: 'refused', message: `${agent.displayName} no longer has this conversation's session. Start a new run to go on.` };
  }
  let at = turns.length - 1;
  while (at >= 0 && !turns[at].sessionId) at--;
  if (at < 0) return { kind: 'refused', message: `${agent.displayName} reported no session for this conversation (the run ended before it started one), so it cannot be continued. Run the prompt again.` };
  const source = turns[at];
  const history = priorTurns(turns);
  if (!source.fromCache) return { kind: 'resume', sessionId: source.sessionId!, fork: false, history };
  if (agent.canFork) {
    return { kind: 'resume', sessionId: source.sessionId!, fork: true, history, note: `The earlier answer came from the cache, so ${agent.displayName} continues its session in a new one (forked): other conversations from the same answer stay apart.` };
  }
  return {
    kind: 'again',
    turn: at + 1,
    note: `The earlier answer came from the cache, and ${agent.displayName} cannot continue a session in a new one, so that turn is asked again for real before your follow-up (the cached session may belong to another conversation).`,
  };
}

/** One turn the follow-up asks the agent for. */
export interface TurnRequest {
  prompt: string;
  resume?: { sessionId: string; fork: boolean };
  history: PriorTurn[];
  /** Set when the turn asks an earlier place again (its answer came from the cache). */
  replaces?: number;
  /** Ask for real: a turn asked again must not be answered from the cache once more. */
  noCache: boolean;
  /** Said in the panel above the turn: what happened with the session. */
  note?: string;
}

/**
 * Continues a conversation: asks again, for real, whatever the rule requires
 * (oldest first), then the follow-up. `runTurn` starts one turn and resolves
 * with its facts when it ends. Returns the follow-up's facts, or throws with
 * the refusal's message (the caller shows it; nothing ran for it).
 */
export async function continueConversation(
  agent: AgentShape,
  turns: readonly TurnFacts[],
  prompt: string,
  runTurn: (t: TurnRequest) => Promise<TurnFacts>,
  refuse: (message: string) => Error = (m) => new Error(m),
): Promise<TurnFacts> {
  const all = [...turns];
  // Each round makes one more place real; more rounds than places would be a bug.
  for (let round = 0; round <= all.length + 1; round++) {
    const plan = planFollowUp(agent, all);
    if (plan.kind === 'refused') throw refuse(plan.message);
    if (plan.kind === 'history') return runTurn({ prompt, history: plan.history, noCache: false });
    if (plan.kind === 'resume') return runTurn({ prompt, resume: { sessionId: plan.sessionId, fork: plan.fork }, history: plan.history, noCache: false, note: plan.note });
    // Ask the oldest place that needs it first (its own earlier turns must be real before it can
    // resume them), then every place after it up to the one the follow-up resumes, each in the new session.
    const eff = effectiveTurns(all);
    let place = plan.turn;
    for (;;) {
      const before = place > 1 ? planFollowUp(agent, eff.slice(0, place - 1)) : undefined;
      if (before?.kind === 'again') place = before.turn;
      else break;
    }
    for (let p = place; p <= plan.turn; p++) {
      const step = p > 1 ? planFollowUp(agent, p === place ? eff.slice(0, p - 1) : all) : undefined;
      if (step && step.kind !== 'resume') throw refuse(step.kind === 'refused' ? step.message : 'The conversation could not be continued.');
      const again = await runTurn({
        prompt: eff[p - 1].prompt,
        resume: step && { sessionId: step.sessionId, fork: step.fork },
        history: step?.history ?? [],
        replaces: p,
        noCache: true,
        note: p === place ? plan.note : undefined,
      });
      all.push({ ...again, replaces: p });
      if (again.status !== 'succeeded') throw refuse(`Asking the earlier turn again did not succeed (${again.status}), so the follow-up was not sent.`);
    }
  }
  throw refuse('The conversation could not be continued.');
}
