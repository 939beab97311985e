import type { AgentEvent, SeqEvent } from '../core/agents/events';

/** False once stdout is closed (`agent-relay run … | head`): nothing more is written to it. */
let stdoutOpen = true;

export function closeStdout(): void {
  stdoutOpen = false;
}

/** Writes to stdout unless it was closed. */
export const out = (text: string) => stdoutOpen && process.stdout.write(text);

/** `--json`: one normalised event a line, tagged with its task in a batch. */
export function jsonPrinter(tag?: Record<string, unknown>): (e: SeqEvent) => void {
  return (e) => out(`${JSON.stringify(tag ? { ...tag, ...e } : e)}\n`);
}

/**
 * The answer on stdout as it arrives, everything else (tool calls, notices,
 * the outcome) as short lines on stderr. One printer per run: it remembers
 * whether its text ended mid-line.
 */
export function humanPrinter(write: (text: string) => void = (t) => out(t), note: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): (e: SeqEvent) => void {
  let textOpen = false;
  const line = (s: string) => {
    if (textOpen) write('\n');
    textOpen = false;
    note(s);
  };
  return ({ event }: SeqEvent) => {
    const e: AgentEvent = event;
    switch (e.type) {
      case 'text':
        write(e.text);
        textOpen = !e.text.endsWith('\n');
        return;
      case 'tool-use':
        return line(`⚙ ${e.name} ${JSON.stringify(e.input)}`);
      case 'tool-result':
        return line(`${e.isError ? '✗' : '↳'} ${e.output.split('\n')[0].slice(0, 200)}`);
      case 'notice':
        return line(`· ${e.message}`);
      case 'retry':
        return line(`· retrying in ${(e.delayMs / 1000).toFixed(1)} s (attempt ${e.attempt} of ${e.maxAttempts}): ${e.reason}`);
      case 'waiting':
        return line(`· waiting ${(e.delayMs / 1000).toFixed(1)} s for the rate limit (${e.detail})`);
      case 'error':
        return line(`error: ${e.message}`);
      case 'usage': {
        const parts = [
          e.inputTokens !== undefined && `${e.inputTokens} in`,
          e.outputTokens !== undefined && `${e.outputTokens} out`,
          e.costUsd !== undefined && `$${e.costUsd.toFixed(4)}`,
        ].filter(Boolean);
        if (parts.length) line(`· tokens ${parts.join(', ')}`);
        return;
      }
      case 'cache':
        if (e.status === 'hit') return line(`· from cache (${Math.round(e.ageMs / 1000)} s old${e.savedMs !== undefined ? `, saved ${(e.savedMs / 1000).toFixed(1)} s` : ''})`);
        if (e.status === 'miss' && e.reason && e.reason !== 'not cached yet') return line(`· not from cache: ${e.reason}`);
        return;
      case 'done':
        return line(e.outcome.status === 'succeeded' ? `✓ done in ${(e.outcome.durationMs / 1000).toFixed(1)} s` : `✗ ${e.outcome.status}: ${e.outcome.message ?? ''}`);
      default:
        return;
    }
  };
}
