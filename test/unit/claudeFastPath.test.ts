// The Claude parser's raw-line fast path must mean exactly what the long way
// (JSON.parse, then handle) means: a differential test over real delta lines
// and seeded mutations of them, including escapes, control characters,
// surrogates, reordered keys and sub-agent lines.
import * as assert from 'node:assert/strict';
import type { AgentEvent } from '../../src/core/agents/events';
import { ClaudeStreamParser } from '../../src/core/agents/claudeStream';
import { parseJsonObject } from '../../src/core/stream/jsonLines';
import { StdoutReader } from '../../src/core/cli/stdoutReader';
import { fixture } from '../support/fixtures';
import { FUZZ_SEED, fuzzCases, rng } from '../support/seeded';

const SEED = FUZZ_SEED;
const CASES = fuzzCases(3000);

const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** What the long way makes of a line: JSON.parse, then handle (or nothing for a line that is not an object). */
function longWay(line: string): AgentEvent[] {
  const out: AgentEvent[] = [];
  const p = new ClaudeStreamParser((e) => out.push(e));
  const json = parseJsonObject(line);
  if (json) {
    try {
      p.handle(json);
    } catch {
      // malformed: nothing emitted
    }
  }
  return out;
}

/** What a run makes of it: through the StdoutReader, which tries the fast path first. */
function reader(line: string): { events: AgentEvent[]; fast: boolean } {
  const out: AgentEvent[] = [];
  const p = new ClaudeStreamParser((e) => out.push(e));
  const fast = new ClaudeStreamParser(() => undefined).handleRaw(line);
  const r = new StdoutReader(p, silent);
  r.push(`${line}\n`);
  r.end();
  return { events: out, fast };
}

const PIECES = ['a', 'é', '😀', '\\n', '\\"', '\\\\', '\\u00e9', '\\ud83d\\ude00', '\\ud800', '\\x', '\\', '"', '\u0001', '\t', ' ', '}', '{', ',"x":1', 'null', '\\/'];

describe(`the Claude parser's fast path for delta lines (seed ${SEED}, ${CASES} cases)`, () => {
  const real = fixture('claude-stream-json-partial-messages.jsonl').split('\n').filter(Boolean);
  const delta = real.find((l) => l.includes('"text_delta"'))!;

  it('takes real delta lines, and gives what the long way gives', () => {
    let fast = 0;
    for (const line of real) {
      const r = reader(line);
      assert.deepEqual(r.events, longWay(line), line);
      if (r.fast) fast++;
    }
    assert.ok(fast > 0, 'no real delta line took the fast path');
  });

  it('a thinking delta, an empty delta, a sub-agent delta, other key orders', () => {
    const thinking = delta.replace('"type":"text_delta","text":', '"type":"thinking_delta","thinking":');
    assert.deepEqual(reader(thinking).events, [{ type: 'thinking', text: 'Hello!' }]);
    assert.equal(reader(thinking).fast, true);
    const empty = delta.replace('"text":"Hello!"', '"text":""');
    assert.deepEqual(reader(empty).events, []);
    const sub = delta.replace('"parent_tool_use_id":null', '"parent_tool_use_id":"toolu_1"');
    assert.equal(reader(sub).fast, false);
    assert.deepEqual(reader(sub).events, []);
    const mismatched = delta.replace('"type":"text_delta","text":', '"type":"text_delta","thinking":');
    assert.equal(reader(mismatched).fast, false);
    assert.deepEqual(reader(mismatched).events, longWay(mismatched));
    const reordered = delta.replace('"index":0,"delta":{"type":"text_delta","text":"Hello!"}', '"delta":{"type":"text_delta","text":"Hello!"},"index":0');
    assert.equal(reader(reordered).fast, false);
    assert.deepEqual(reader(reordered).events, [{ type: 'text', text: 'Hello!' }]);
  });

  it('seeded mutations of the text: the same events either way', () => {
    const next = rng(SEED);
    let fastTaken = 0;
    for (let c = 0; c < CASES; c++) {
      let text = '';
      const n = Math.floor(next() * 8);
      for (let i = 0; i < n; i++) text += PIECES[Math.floor(next() * PIECES.length)];
      let line = delta.replace('"text":"Hello!"', `"text":"${text}"`);
      if (next() < 0.1) line = line.slice(0, Math.floor(next() * line.length)); // cut short
      if (next() < 0.05) line = line.replace('"index":0', `"index":${['-1', '1.5', '1e2', '123456789012', '7'][Math.floor(next() * 5)]}`);
      const where = `case ${c} (FUZZ_SEED=${SEED}): ${line}`;
      const r = reader(line);
      assert.deepEqual(r.events, longWay(line), where);
      if (r.fast) fastTaken++;
    }
    assert.ok(fastTaken > CASES / 4, `the fast path took only ${fastTaken} of ${CASES} lines`);
  });
});
