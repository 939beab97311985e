// Follow-up turns in VS Code: the turns of a conversation, from this window's
// run registry and from the history, and the one way to continue one.
import type { AgentEvent, SeqEvent } from '../core/agents/events';
import type { AgentRun } from '../core/run/agentRun';
import { createRun } from '../core/run/assembly';
import type { AgentEntry } from '../core/run/catalog';
import { continueConversation, turnFacts, type AgentShape, type TurnFacts } from '../core/run/conversation';
import type { HistoryRecord } from '../core/history/historyRecord';
import { UserInputError } from '../core/run/prompt';
import type { Relay } from './relay';
import { folderOf, resolveRunSpec } from './runs';

/** One turn of a conversation, wherever it is held. */
export interface ConversationTurn {
  runId: string;
  /** 1 = the first. */
  turn: number;
  replaces?: number;
  note?: string;
  agentId: string;
  agentName: string;
  /** The user's words, and what the agent received. */
  prompt: string;
  fullPrompt: string;
  context?: string;
  cwd: string;
  /** Held by this window's registry (live or finished recently)… */
  run?: AgentRun;
  /** …or read from the history. */
  record?: HistoryRecord;
}

/** The turns of the conversation that `conversationId` (its first run's id) starts, in order; [] when its first run is unknown. */
export async function conversationTurns(relay: Relay, conversationId: string): Promise<ConversationTurn[]> {
  const byId = new Map<string, ConversationTurn>();
  const first = relay.runs.get(conversationId);
  const history = relay.workspaceHistory();
  if (first) byId.set(first.id, fromRun(first));
  else {
    const record = await history.get(conversationId);
    if (!record) return [];
    byId.set(record.id, fromRecord(record));
  }
  const later = (await history.list().catch(() => ({ records: [] as HistoryRecord[] }))).records.filter((r) => r.conversationId === conversationId);
  for (const r of later) byId.set(r.id, fromRecord(r));
  for (const run of relay.runs.all()) if (run.label.conversation?.conversationId === conversationId) byId.set(run.id, fromRun(run));
  return [...byId.values()].sort((a, b) => a.turn - b.turn);
}

/** A turn's events: from the registry, else the history ([] when neither has them any more). */
export async function turnEvents(relay: Relay, t: ConversationTurn): Promise<SeqEvent[]> {
  if (t.run) return t.run.eventsAfter(0);
  return (await relay.workspaceHistory().readEvents(t.runId)) ?? [];
}

/** Whether a conversation can take a follow-up now, and why not. */
export function replyBlocker(relay: Relay, turns: readonly ConversationTurn[]): string | undefined {
  const first = turns[0];
  if (!first) return 'This run is not in the history any more.';
  if (turns[turns.length - 1].run?.isActive) return 'Wait for this turn to finish (or cancel it).';
  const agent = relay.catalog.find(first.agentId);
  if (!agent) return `${first.agentName} is not available in this window.`;
  if (!folderOf(first)) return `Open the folder ${first.cwd} to continue this conversation.`;
  return undefined;
}

/**
 * Sends a follow-up: asks again for real what the conversation rule requires
 * (a cached turn's session is never resumed as it is), then the follow-up, each
 * a run of the registry (the conversation's panel shows them as they come).
 * Resolves with the follow-up's run once it has finished; throws a
 * UserInputError when it cannot be sent.
 */
export async function sendFollowUp(relay: Relay, conversationId: string, prompt: string): Promise<AgentRun> {
  if (!prompt.trim()) throw new UserInputError('Type a follow-up first.');
  const turns = await conversationTurns(relay, conversationId);
  const blocker = replyBlocker(relay, turns);
  if (blocker) throw new UserInputError(blocker);
  const first = turns[0];
  const agent = relay.catalog.find(first.agentId)!;
  const folder = folderOf(first)!;
  const facts = await Promise.all(turns.map(async (t) => factsOf(t, (await turnEvents(relay, t)).map((e) => e.event))));
  let next = turns[turns.length - 1].turn + 1;
  let last: AgentRun | undefined;
  await continueConversation(
    shapeOf(agent),
    facts,
    prompt,
    async (req) => {
      const words = req.replaces ? (turns.find((t) => t.turn === req.replaces)?.prompt ?? req.prompt) : prompt;
      const spec = resolveRunSpec(relay, agent, words, { folder, noCache: req.noCache, asSent: { prompt: req.prompt } });
      spec.conversation = { conversationId, turn: next++, replaces: req.replaces, note: req.note, history: req.history };
      if (req.resume) {
        if (!spec.cli) throw new UserInputError(`${agent.displayName} cannot resume a session.`);
        spec.cli.options.resume = req.resume;
      }
      const run = createRun(spec, relay.runServices);
      relay.logs.forRun(run.id).info(`turn ${spec.conversation.turn} of ${conversationId}${req.resume ? ` resuming ${req.resume.sessionId}${req.resume.fork ? ' (fork)' : ''}` : ''}${req.replaces ? `, asking turn ${req.replaces} again` : ''}`);
      relay.runs.submit(run, { showPanel: false });
      last = run;
      await run.done;
      return factsOf(fromRun(run), run.eventsAfter(0).map((e) => e.event));
    },
    (message) => new UserInputError(message),
  );
  return last!;
}

function shapeOf(agent: AgentEntry): AgentShape {
  return agent.kind === 'cli' ? { kind: 'cli', displayName: agent.displayName, canFork: agent.spec.canFork } : { kind: 'api', displayName: agent.displayName };
}

function factsOf(t: ConversationTurn, events: AgentEvent[]): TurnFacts {
  return turnFacts(t.runId, t.fullPrompt, events, t.replaces);
}

function fromRun(run: AgentRun): ConversationTurn {
  const c = run.label.conversation;
  return {
    runId: run.id,
    turn: c?.turn ?? 1,
    replaces: c?.replaces,
    note: c?.note,
    agentId: run.agentId,
    agentName: run.label.agentName,
    prompt: run.label.prompt,
    fullPrompt: run.request.prompt,
    context: run.label.context,
    cwd: run.request.cwd,
    run,
  };
}

function fromRecord(r: HistoryRecord): ConversationTurn {
  return {
    runId: r.id,
    turn: r.turn ?? 1,
    replaces: r.replaces,
    note: r.note,
    agentId: r.agentId,
    agentName: r.agentName,
    prompt: r.prompt,
    fullPrompt: r.fullPrompt,
    context: r.context,
    cwd: r.cwd,
    record: r,
  };
}
