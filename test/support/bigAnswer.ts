// A long agent answer of realistic Markdown for panel tests and benchmarks:
// sections with a heading, paragraphs, a list and a code block, and a tool
// call with a 1 KB result every 500 lines, streamed as small text deltas.
import type { AgentEvent } from '../../src/core/agents/events';

export interface BigAnswer {
  events: AgentEvent[];
  /** The answer's text (what Copy Answer must give). */
  text: string;
  lines: number;
  /** A word that occurs once, in the given section. */
  needle(section: number): string;
  sections: number;
}

const WORDS = 'the run panel draws only what is near the viewport while the rest waits in the model as plain text chunks'.split(' ');

function sectionLines(k: number): string[] {
  const out = [`## Section ${k}`, ''];
  for (let p = 0; p < 6; p++) {
    for (let l = 0; l < 8; l++) out.push(`${WORDS.slice((k + p + l) % 8, ((k + p + l) % 8) + 9).join(' ')} ${p === 3 && l === 4 ? `needle${k}x ` : ''}line ${l} of paragraph ${p}.`);
    out.push('');
  }
  for (let i = 0; i < 6; i++) out.push(`- item ${i} of section ${k} with \`code ${i}\` and **bold**`);
  out.push('', '```ts');
  for (let i = 0; i < 20; i++) out.push(`const value${i} = compute(${k}, ${i}); // step ${i}`);
  out.push('```', '');
  return out;
}

/** An answer of about `targetLines` lines (or `targetBytes` of text, whichever is given). */
export function bigAnswer(opts: { lines?: number; bytes?: number; delta?: number }): BigAnswer {
  const delta = opts.delta ?? 60;
  const events: AgentEvent[] = [{ type: 'started', agentId: 'claude', model: 'claude-sonnet-4-5' }];
  const parts: string[] = [];
  let lines = 0;
  let bytes = 0;
  let k = 0;
  let sinceTool = 0;
  const more = () => (opts.lines !== undefined ? lines < opts.lines : bytes < (opts.bytes ?? 0));
  while (more()) {
    const section = `${sectionLines(k).join('\n')}\n`;
    for (let i = 0; i < section.length; i += delta) events.push({ type: 'text', text: section.slice(i, i + delta) });
    parts.push(section);
    const n = section.split('\n').length - 1;
    lines += n;
    bytes += section.length;
    sinceTool += n;
    if (sinceTool >= 500) {
      sinceTool = 0;
      const id = `tool-${k}`;
      events.push({ type: 'tool-use', id, name: 'Bash', input: { command: `grep -rn section${k} src` } });
      events.push({ type: 'tool-result', toolUseId: id, output: `src/file${k}.ts:${k}: ${'result text '.repeat(85)}`.slice(0, 1024), isError: false });
    }
    k++;
  }
  events.push({ type: 'usage', inputTokens: 1000, outputTokens: Math.round(bytes / 4) });
  events.push({ type: 'done', outcome: { status: 'succeeded', durationMs: 60_000 } });
  return { events, text: parts.join(''), lines, needle: (s) => `needle${s}x`, sections: k };
}
