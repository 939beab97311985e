import * as assert from 'node:assert/strict';
import { LineTooLongError } from '../../src/core/stream/jsonLines';
import { SseParser, type SseEvent } from '../../src/core/stream/sse';
import { fixture } from '../support/fixtures';

function parse(chunks: Array<string | Buffer>): SseEvent[] {
  const out: SseEvent[] = [];
  const p = new SseParser((e) => out.push(e));
  for (const c of chunks) p.push(c);
  p.end();
  return out;
}

describe('SseParser', () => {
  const files = [
    'anthropic-messages-sse-basic.txt',
    'anthropic-messages-sse-tool-use.txt',
    'anthropic-messages-sse-thinking.txt',
    'openai-chat-completions-sse-docs-example.txt',
    'openai-chat-completions-sse-include-usage-real.txt',
    'openai-chat-completions-sse-tool-calls-real.txt',
  ];

  it('reads the recorded API streams: every data line is JSON or [DONE]', () => {
    for (const f of files) {
      const events = parse([fixture(f)]);
      assert.ok(events.length >= 3, f);
      for (const e of events) if (e.data !== '[DONE]') assert.doesNotThrow(() => JSON.parse(e.data), `${f}: ${e.data}`);
    }
    const anthropic = parse([fixture('anthropic-messages-sse-basic.txt')]);
    assert.equal(anthropic[0].event, 'message_start');
    assert.equal(JSON.parse(anthropic[0].data).type, 'message_start');
    const openai = parse([fixture('openai-chat-completions-sse-docs-example.txt')]);
    assert.equal(openai.at(-1)!.data, '[DONE]');
    assert.equal(openai[0].event, undefined);
  });

  it('gives the same events whichever byte the stream is split at, with LF, CRLF or CR line ends', () => {
    for (const f of files) {
      const lf = fixture(f).replace(/\r\n/g, '\n');
      const reference = parse([lf]);
      for (const variant of [lf, lf.replace(/\n/g, '\r\n'), lf.replace(/\n/g, '\r')]) {
        const bytes = Buffer.from(variant);
        for (let i = 0; i <= bytes.length; i += f.includes('real') ? 3 : 1) {
          assert.deepEqual(parse([bytes.subarray(0, i), bytes.subarray(i)]), reference, `${f} split at ${i}`);
        }
      }
    }
  });

  it('decodes UTF-8 split inside a character, one byte at a time', () => {
    const text = 'event: t\ndata: {"x":"Grüße 世界 🎉"}\n\n';
    const events = parse([...Buffer.from(text)].map((b) => Buffer.from([b])));
    assert.deepEqual(events, [{ event: 't', data: '{"x":"Grüße 世界 🎉"}', id: undefined }]);
  });

  it('follows the field rules: comments, multi-line data, one optional space, BOM, ids, unknown fields', () => {
    const text = '\uFEFF: comment\nretry: 100\nfoo: bar\nid: 7\nevent: multi\ndata:first\ndata:  second\ndata\n\ndata: x\n\n';
    assert.deepEqual(parse([text]), [
      { event: 'multi', data: 'first\n second\n', id: '7' },
      { event: undefined, data: 'x', id: '7' },
    ]);
  });

  it('does not dispatch an event without data, or an unterminated final event', () => {
    assert.deepEqual(parse(['event: ping\n\n', 'data: {"cut":']), []);
  });

  it('joins one 16 MB line arriving in 64 KB chunks once, whatever the chunk boundaries (CR at a chunk end included)', () => {
    const big = 'y'.repeat(16 * 1024 * 1024);
    const text = `data: ${big}\r\n\r\ndata: after\n\n`;
    const pieces: string[] = [];
    for (let i = 0; i < text.length; i += 64 * 1024) pieces.push(text.slice(i, i + 64 * 1024));
    const events = parse(pieces);
    assert.equal(events.length, 2);
    assert.equal(events[0].data.length, big.length);
    assert.equal(events[1].data, 'after');
  });

  it('refuses a line or an event longer than its bound instead of holding it', () => {
    const line = new SseParser(() => undefined, 1000);
    assert.throws(() => {
      for (let i = 0; i < 20; i++) line.push('x'.repeat(100));
    }, LineTooLongError);
    const event = new SseParser(() => undefined, 1000);
    assert.throws(() => {
      for (let i = 0; i < 20; i++) event.push(`data: ${'x'.repeat(90)}\n`);
    }, /grew past/);
  });
});
