// Feeding a recorded agent transcript through the same framing and parser a
// run uses, for the parser unit tests of every CLI.
import type { EmitEvent, AgentEvent, RunOutcome } from '../../src/core/agents/events';
import type { ProcessEnd, StreamParser } from '../../src/core/agents/cliAgent';
import { LineSplitter, parseJsonObject } from '../../src/core/stream/jsonLines';

/** A clean exit, to override per test. */
export const END: ProcessEnd = { exitCode: 0, signal: null, stderrTail: '', durationMs: 10 };

/** Splits, parses and finishes a transcript given in `chunks`; returns the events and the outcome. */
export function parseWith(
  createParser: (emit: EmitEvent) => StreamParser,
  chunks: Array<string | Buffer>,
  end: Partial<ProcessEnd> = {},
): { events: AgentEvent[]; outcome: RunOutcome } {
  const events: AgentEvent[] = [];
  const parser = createParser((e) => events.push(e));
  const splitter = new LineSplitter((line) => {
    const json = parseJsonObject(line);
    if (json) parser.handle(json);
  });
  for (const c of chunks) splitter.push(c);
  splitter.end();
  return { events, outcome: parser.finish({ ...END, ...end }) };
}

/** The answer text of a run's events. */
export const textOf = (events: AgentEvent[]) => events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');

/** The events of one type, typed. */
export const ofType = <T extends AgentEvent['type']>(events: AgentEvent[], type: T) => events.filter((e): e is Extract<AgentEvent, { type: T }> => e.type === type);
