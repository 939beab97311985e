import type { AgentEvent } from './events';

/**
 * An earlier turn of a conversation, as a follow-up carries it: the prompt as
 * it was sent and the answer as text. Model APIs are sent these as the message
 * history; for every agent they are part of the follow-up's cache key.
 */
export interface PriorTurn {
  prompt: string;
  answer: string;
}

/** Characters a token is taken to be when bounding the history (a rough, model-independent estimate). */
export const CHARS_PER_TOKEN = 4;

/**
 * A turn's answer as text. Tool calls become text too: the model APIs show
 * tool calls but do not run them, and a `tool_use` resent without its
 * `tool_result` is refused (HTTP 400).
 */
export function answerOf(events: Iterable<AgentEvent>): string {
  let out = '';
  for (const e of events) {
    if (e.type === 'text') out += e.text;
    else if (e.type === 'tool-use') out += `\n[tool call ${e.name}: ${JSON.stringify(e.input ?? {}).slice(0, 2000)}]\n`;
    else if (e.type === 'tool-result') out += `\n[tool result${e.isError ? ' (error)' : ''}: ${e.output.slice(0, 2000)}]\n`;
  }
  return out;
}

/**
 * The newest turns that fit in `maxTokens` (estimated at CHARS_PER_TOKEN), in
 * order, and how many older ones were left out. 0 or less means no bound.
 */
export function boundHistory(turns: readonly PriorTurn[], maxTokens: number): { turns: PriorTurn[]; dropped: number } {
  if (!(maxTokens > 0)) return { turns: [...turns], dropped: 0 };
  let budget = maxTokens * CHARS_PER_TOKEN;
  let first = turns.length;
  while (first > 0) {
    const t = turns[first - 1];
    const size = t.prompt.length + t.answer.length;
    if (size > budget) break;
    budget -= size;
    first--;
  }
  return { turns: turns.slice(first), dropped: first };
}

/** The notice a trimmed history shows in the panel. */
export function trimNotice(dropped: number, kept: number, setting: string): string {
  return `The conversation is longer than ${setting} allows: the ${dropped === 1 ? 'oldest turn was' : `oldest ${dropped} turns were`} left out of this request (${kept} earlier ${kept === 1 ? 'turn' : 'turns'} sent).`;
}
