// Feeding a recorded agent transcript through the same framing and parser a
// run uses, for the parser unit tests of every CLI.
import type { EmitEvent, AgentEvent, RunOutcome } from '../../src/core/agents/events';
import type { ProcessEnd, StreamParser } from '../../src/core/agents/cliAgent';
import { StdoutReader } from '../../src/core/cli/stdoutReader';
import { nullLogger } from '../../src/core/log';

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
  // The path stdout takes in a run: the fast path, JSON, and lines cut off at exit.
  const reader = new StdoutReader(parser, nullLogger);
  for (const c of chunks) reader.push(c);
  reader.end();
  return { events, outcome: parser.finish({ ...END, ...end }) };
}

/** The answer text of a run's events. */
export const textOf = (events: AgentEvent[]) => events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');

/** The events of one type, typed. */
export const ofType = <T extends AgentEvent['type']>(events: AgentEvent[], type: T) => events.filter((e): e is Extract<AgentEvent, { type: T }> => e.type === type);
