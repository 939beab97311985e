// Fuzzing the parsers agents and servers feed: the four CLIs' stream parsers
// (through the same StdoutReader the CLI provider uses) and the two SSE
// mappers (through the same guard and SSE parser the HTTP providers use).
// Real transcripts are mutated (values swapped for other types, fields and
// lines dropped or repeated, bytes flipped, lines cut) and re-chunked at
// random. Whatever arrives: nothing throws, every event is well formed, the
// run ends with a valid outcome, and memory stays within the line bound.
// Seeded: FUZZ_SEED=<n> reproduces a failure; FUZZ_CASES=<n> runs more.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { claudeAgent } from '../../src/core/agents/claude';
import type { CliAgentSpec } from '../../src/core/agents/cliAgent';
import { codexAgent } from '../../src/core/agents/codex';
import type { AgentEvent, RunOutcome } from '../../src/core/agents/events';
import { geminiAgent } from '../../src/core/agents/gemini';
import { opencodeAgent } from '../../src/core/agents/opencode';
import { StdoutReader } from '../../src/core/cli/stdoutReader';
import { AnthropicStreamMapper } from '../../src/core/http/anthropicStream';
import { OpenAiChatStreamMapper } from '../../src/core/http/openaiChatStream';
import { guardedMapper, type SseMapper } from '../../src/core/http/sseRun';
import { nullLogger } from '../../src/core/log';
import { SseParser } from '../../src/core/stream/sse';
import { FUZZ_SEED, fuzzCases, rng } from '../support/seeded';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/agent-streams');
const SEED = FUZZ_SEED;
const CASES = fuzzCases(1500);

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const STRANGE: unknown[] = [null, 0, -1, 1e308, '', 'x', '\u0000', true, [], [null], {}, { type: null }, 'NaN', ['a', 1], { error: {} }];

/** Replaces, drops or adds one value somewhere in a JSON value. */
function mutateValue(r: Rand, v: unknown, depth = 0): unknown {
  if (depth > 6 || v === null || typeof v !== 'object') return r() < 0.5 ? pick(r, STRANGE) : v;
  if (Array.isArray(v)) {
    const out = [...v];
    const roll = r();
    if (!out.length || roll < 0.2) out.push(pick(r, STRANGE));
    else if (roll < 0.35) out.splice(Math.floor(r() * out.length), 1);
    else {
      const i = Math.floor(r() * out.length);
      out[i] = mutateValue(r, out[i], depth + 1);
    }
    return out;
  }
  const o = { ...(v as Record<string, unknown>) };
  const keys = Object.keys(o);
  const roll = r();
  if (!keys.length || roll < 0.15) o[pick(r, ['type', 'subtype', 'message', 'content', 'delta', 'choices', 'item', 'part', 'x'])] = pick(r, STRANGE);
  else if (roll < 0.3) delete o[pick(r, keys)];
  else {
    const k = pick(r, keys);
    o[k] = mutateValue(r, o[k], depth + 1);
  }
  return o;
}

/** One line, mutated as JSON (most of the time) or as bytes. */
function mutateLine(r: Rand, line: string): string {
  const roll = r();
  if (roll < 0.6) {
    try {
      return JSON.stringify(mutateValue(r, JSON.parse(line)));
    } catch {
      // not JSON: fall through to byte damage
    }
  }
  if (roll < 0.8 && line.length) return line.slice(0, Math.floor(r() * line.length)); // cut
  const chars = [...line];
  for (let i = 0; i < 3 && chars.length; i++) chars[Math.floor(r() * chars.length)] = pick(r, ['{', '}', '"', '\\', '\n', '\r', 'é', '\u{1F389}', '\u0000', ' ']);
  return chars.join('');
}

/** A transcript with a few lines mutated, dropped or repeated. */
function mutateTranscript(r: Rand, lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const roll = r();
    if (roll < 0.05) continue;
    out.push(roll < 0.25 ? mutateLine(r, line) : line);
    if (roll > 0.97) out.push(line);
  }
  if (r() < 0.1) out.push(JSON.stringify(pick(r, STRANGE)));
  return out;
}

/** The bytes cut into pieces of 1 to 512 bytes (UTF-8 characters split anywhere). */
function chunks(r: Rand, text: string): Buffer[] {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(r() * (r() < 0.3 ? 8 : 512));
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

const STATUSES = new Set(['succeeded', 'failed', 'cancelled', 'timed-out']);

/** The contract every consumer (panel, headless CLI, cache) relies on. */
function assertWellFormed(e: AgentEvent, where: string): void {
  const str = (v: unknown, f: string) => assert.equal(typeof v, 'string', `${where}: ${e.type}.${f} is ${JSON.stringify(v)}`);
  const optNum = (v: unknown, f: string) => assert.ok(v === undefined || (typeof v === 'number' && Number.isFinite(v)), `${where}: ${e.type}.${f} is ${JSON.stringify(v)}`);
  switch (e.type) {
    case 'started':
      str(e.agentId, 'agentId');
      return;
    case 'text':
    case 'thinking':
      str(e.text, 'text');
      return;
    case 'tool-use':
      str(e.id, 'id');
      str(e.name, 'name');
      return;
    case 'tool-result':
      str(e.toolUseId, 'toolUseId');
      str(e.output, 'output');
      assert.equal(typeof e.isError, 'boolean', `${where}: tool-result.isError`);
      return;
    case 'usage':
      for (const f of ['inputTokens', 'outputTokens', 'cacheReadTokens', 'costUsd', 'durationMs', 'turns'] as const) optNum(e[f], f);
      return;
    case 'notice':
    case 'error':
      str(e.message, 'message');
      return;
    default:
      assert.fail(`${where}: unexpected event type ${JSON.stringify((e as { type: unknown }).type)}`);
  }
}

function assertOutcome(o: RunOutcome, where: string): void {
  assert.ok(STATUSES.has(o.status), `${where}: outcome status ${JSON.stringify(o.status)}`);
  assert.ok(typeof o.durationMs === 'number', `${where}: durationMs`);
  assert.ok(o.message === undefined || typeof o.message === 'string', `${where}: message`);
  assert.ok(o.result === undefined || typeof o.result === 'string', `${where}: result`);
}

const lines = (file: string) => readFileSync(path.join(FIXTURES, file), 'utf8').split('\n').filter((l) => l.trim());

const CLI_CASES: Array<[CliAgentSpec, string[]]> = [
  [claudeAgent, ['claude-stream-json-partial-messages.jsonl', 'claude-stream-json.jsonl', 'captured-claude-partial-tool.jsonl', 'captured-claude-partial-api-error.jsonl']],
  [codexAgent, ['codex-exec-json.jsonl', 'codex-exec-json-reasoning.jsonl', 'captured-codex-tool.jsonl', 'captured-codex-reconnect.jsonl']],
  [geminiAgent, ['gemini-stream-json.jsonl', 'captured-gemini-tool.jsonl', 'captured-gemini-stream-error.jsonl', 'captured-gemini-turn-limit.jsonl']],
  [opencodeAgent, ['opencode-run-json.jsonl', 'captured-opencode-tool.jsonl', 'captured-opencode-api-error.jsonl']],
];

const SSE_CASES: Array<[string, (emit: (e: AgentEvent) => void) => SseMapper, string[]]> = [
  ['anthropic', (emit) => new AnthropicStreamMapper(emit), ['anthropic-messages-sse-basic.txt', 'anthropic-messages-sse-thinking.txt', 'anthropic-messages-sse-tool-use.txt']],
  ['openai', (emit) => new OpenAiChatStreamMapper(emit), ['openai-chat-completions-sse-docs-example.txt', 'openai-chat-completions-sse-include-usage-real.txt', 'openai-chat-completions-sse-tool-calls-real.txt']],
];

describe(`fuzzing the stream parsers (seed ${SEED}, ${CASES} cases each; FUZZ_SEED reproduces)`, function () {
  this.timeout(120_000);

  for (const [spec, files] of CLI_CASES) {
    it(`${spec.displayName}: mutated, re-chunked transcripts never break the run`, () => {
      const r = rng(SEED ^ spec.id.length);
      const sources = files.map(lines);
      for (let c = 0; c < CASES; c++) {
        const where = `${spec.id} case ${c} (FUZZ_SEED=${SEED})`;
        const events: AgentEvent[] = [];
        const parser = spec.createParser((e) => events.push(e));
        // A small line bound, so the bound is exercised too.
        const reader = new StdoutReader(parser, nullLogger, 64 * 1024);
        const text = `${mutateTranscript(r, pick(r, sources)).join(r() < 0.5 ? '\n' : '\r\n')}${r() < 0.5 ? '\n' : ''}`;
        for (const chunk of chunks(r, text)) reader.push(chunk);
        reader.end();
        const outcome = parser.finish({ exitCode: pick(r, [0, 1, null, 143]), signal: pick(r, [null, 'SIGTERM']), stderrTail: pick(r, ['', 'Error: boom\n']), durationMs: 5, stoppedBy: pick(r, [undefined, undefined, 'cancelled']) });
        for (const e of events) assertWellFormed(e, where);
        assertOutcome(outcome, where);
      }
    });
  }

  for (const [name, make, files] of SSE_CASES) {
    it(`${name} SSE: mutated, re-chunked streams never break the run`, () => {
      const r = rng(SEED ^ (name.length * 7919));
      const sources = files.map((f) => readFileSync(path.join(FIXTURES, f), 'utf8').split('\n'));
      for (let c = 0; c < CASES; c++) {
        const where = `${name} case ${c} (FUZZ_SEED=${SEED})`;
        const events: AgentEvent[] = [];
        const mapper = make((e) => events.push(e));
        const guard = guardedMapper(mapper, nullLogger, name);
        const sse = new SseParser((e) => guard.handle(e), 64 * 1024);
        const mutated = pick(r, sources).map((l) => (l.startsWith('data: ') && r() < 0.25 ? `data: ${mutateLine(r, l.slice(6))}` : r() < 0.02 ? mutateLine(r, l) : l));
        try {
          for (const chunk of chunks(r, mutated.join(pick(r, ['\n', '\r\n', '\r'])))) sse.push(chunk);
          sse.end();
        } catch (err) {
          // Only the line bound may stop a stream, as a clean LineTooLongError.
          assert.equal((err as Error).name, 'Error', `${where}: ${String(err)}`);
          assert.match((err as Error).message, /grew past/, `${where}: ${String(err)}`);
        }
        const outcome = mapper.finish({ durationMs: 5, stoppedBy: pick(r, [undefined, undefined, 'cancelled']), networkError: pick(r, [undefined, 'socket hang up']) });
        for (const e of events) assertWellFormed(e, where);
        assertOutcome(outcome, where);
      }
    });
  }

  it('the mutations do reach the parsers: the guard counts events it had to skip', () => {
    // A fuzzer that never made a parser stumble would prove nothing.
    const r = rng(SEED);
    let malformed = 0;
    for (let c = 0; c < CASES; c++) {
      const reader = new StdoutReader(claudeAgent.createParser(() => undefined), nullLogger);
      for (const line of mutateTranscript(r, lines('claude-stream-json-partial-messages.jsonl'))) reader.push(`${line}\n`);
      reader.end();
      malformed += reader.malformed + reader.strayLines;
    }
    assert.ok(malformed > 0, 'no mutated line was ever skipped');
  });
});
