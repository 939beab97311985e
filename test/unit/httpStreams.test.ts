import * as assert from 'node:assert/strict';
import type { AgentEvent, RunOutcome } from '../../src/core/agents/events';
import { AnthropicStreamMapper } from '../../src/core/http/anthropicStream';
import { OpenAiChatStreamMapper } from '../../src/core/http/openaiChatStream';
import type { SseMapper, StreamEnd } from '../../src/core/http/sseRun';
import { SseParser } from '../../src/core/stream/sse';
import { fixture } from '../support/fixtures';

function run(make: (emit: (e: AgentEvent) => void) => SseMapper, text: string, end: Partial<StreamEnd> = {}): { events: AgentEvent[]; outcome: RunOutcome } {
  const events: AgentEvent[] = [];
  const mapper = make((e) => events.push(e));
  const parser = new SseParser((e) => mapper.handle(e));
  parser.push(text);
  parser.end();
  return { events, outcome: mapper.finish({ durationMs: 5, ...end }) };
}
const anthropic = (emit: (e: AgentEvent) => void) => new AnthropicStreamMapper(emit);
const openai = (emit: (e: AgentEvent) => void) => new OpenAiChatStreamMapper(emit);
const text = (events: AgentEvent[]) => events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');

describe('Anthropic Messages stream mapping (documented streams)', () => {
  it('basic: text deltas, model, usage, success', () => {
    const { events, outcome } = run(anthropic, fixture('anthropic-messages-sse-basic.txt'));
    assert.equal(text(events), 'Hello!');
    assert.deepEqual(events[0], { type: 'started', agentId: 'anthropic', model: 'claude-sonnet-4-5-20250929' });
    const usage = events.find((e) => e.type === 'usage');
    assert.ok(usage?.type === 'usage' && usage.outputTokens === 15);
    assert.equal(outcome.status, 'succeeded');
    assert.equal(outcome.result, 'Hello!');
  });

  it('tool use: partial JSON joined and parsed once the block stops', () => {
    const { events, outcome } = run(anthropic, fixture('anthropic-messages-sse-tool-use.txt'));
    assert.equal(text(events), "Okay, let's check the weather for San Francisco, CA:");
    const tool = events.find((e) => e.type === 'tool-use');
    assert.deepEqual(tool, { type: 'tool-use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'fahrenheit' } });
    assert.equal(outcome.status, 'succeeded');
  });

  it('thinking deltas become thinking events; signatures are ignored', () => {
    const { events } = run(anthropic, fixture('anthropic-messages-sse-thinking.txt'));
    assert.ok(events.some((e) => e.type === 'thinking' && e.text.length > 0));
    assert.ok(text(events).length > 0);
  });

  it('an error event mid-stream fails the run but keeps the text', () => {
    const cut = fixture('anthropic-messages-sse-basic.txt').split('event: content_block_stop')[0];
    const { events, outcome } = run(anthropic, `${cut}event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n`);
    assert.equal(text(events), 'Hello!');
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /overloaded_error: Overloaded/);
  });

  it('a stream without message_stop was cut off', () => {
    const cut = fixture('anthropic-messages-sse-basic.txt').split('event: message_stop')[0];
    const { outcome } = run(anthropic, cut, { networkError: 'socket hang up' });
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /cut off.*socket hang up/);
  });

  it('a stop we asked for is a cancel', () => {
    assert.equal(run(anthropic, 'event: ping\ndata: {"type":"ping"}\n\n', { stoppedBy: 'cancelled' }).outcome.status, 'cancelled');
  });
});

describe('OpenAI-compatible chat stream mapping (recorded streams)', () => {
  it('docs example: text and [DONE]', () => {
    const { events, outcome } = run(openai, fixture('openai-chat-completions-sse-docs-example.txt'));
    assert.equal(outcome.status, 'succeeded');
    assert.equal(outcome.result, text(events));
    assert.ok(text(events).length > 0);
  });

  it('include_usage: usage from the final chunk with empty choices', () => {
    const { events, outcome } = run(openai, fixture('openai-chat-completions-sse-include-usage-real.txt'));
    const usage = events.find((e) => e.type === 'usage');
    assert.ok(usage?.type === 'usage' && typeof usage.inputTokens === 'number' && typeof usage.outputTokens === 'number');
    assert.equal(outcome.status, 'succeeded');
  });

  it('tool calls: fragments accumulate by index and are emitted whole', () => {
    const { events } = run(openai, fixture('openai-chat-completions-sse-tool-calls-real.txt'));
    const tools = events.filter((e) => e.type === 'tool-use');
    assert.ok(tools.length >= 1);
    for (const t of tools) assert.ok(t.type === 'tool-use' && t.name && typeof t.input === 'object', JSON.stringify(t));
  });

  it('tolerates servers that send choices:null, usage on every chunk, reasoning fields, no [DONE]', () => {
    const chunks = [
      { id: 'x', model: 'llama', choices: [{ index: 0, delta: { role: 'assistant', reasoning_content: 'hmm' } }], usage: { prompt_tokens: 1, completion_tokens: 0 } },
      { id: 'x', model: 'llama', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }], usage: { prompt_tokens: 1, completion_tokens: 1 } },
      { id: 'x', model: 'llama', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { id: 'x', model: 'llama', choices: null, usage: { prompt_tokens: 3, completion_tokens: 2 } },
    ];
    const { events, outcome } = run(openai, chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join(''));
    assert.equal(text(events), 'Hi');
    assert.ok(events.some((e) => e.type === 'thinking' && e.text === 'hmm'));
    assert.deepEqual(events.find((e) => e.type === 'usage'), { type: 'usage', inputTokens: 3, outputTokens: 2, durationMs: 5 });
    assert.equal(outcome.status, 'succeeded');
  });

  it('skips malformed chunks (choices: [null], a null chunk, odd field types) instead of failing the run', () => {
    const chunk = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
    const stream = [
      chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' } }] }),
      chunk({ choices: [null] }),
      'data: null\n\n',
      chunk({ choices: [{ index: 0, delta: 'not a delta' }] }),
      chunk({ choices: [{ index: 0, delta: { content: { not: 'text' }, tool_calls: [null, 7] } }], usage: { prompt_tokens: 'x' } }),
      chunk({ choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: 'stop' }] }),
      'data: [DONE]\n\n',
    ].join('');
    const { events, outcome } = run(openai, stream);
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.equal(text(events), 'Hello');
    for (const e of events) if (e.type === 'usage') assert.equal(e.inputTokens, undefined);
  });

  it('an error object in the stream fails; neither [DONE] nor a finish reason means cut off', () => {
    assert.match(run(openai, 'data: {"error":{"message":"boom"}}\n\n').outcome.message!, /boom/);
    const cut = run(openai, 'data: {"choices":[{"index":0,"delta":{"content":"par"}}]}\n\n');
    assert.equal(cut.outcome.status, 'failed');
    assert.equal(text(cut.events), 'par');
  });
});
