import * as assert from 'node:assert/strict';
import { LineSplitter, LineTooLongError, parseJsonObject } from '../../src/core/stream/jsonLines';
import { fixture } from '../support/fixtures';

function split(chunks: Array<string | Buffer>): string[] {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  for (const c of chunks) s.push(c);
  s.end();
  return lines;
}

describe('LineSplitter', () => {
  const transcript = fixture('claude-stream-json-partial-messages.jsonl');
  const expected = transcript.split('\n').filter((l) => l.trim());

  it('yields the same lines whichever byte the stream is split at', () => {
    const bytes = Buffer.from(transcript);
    for (let i = 0; i <= bytes.length; i++) {
      assert.deepEqual(split([bytes.subarray(0, i), bytes.subarray(i)]), expected, `split at byte ${i}`);
    }
  });

  it('survives one-byte chunks, including multi-byte characters cut in half', () => {
    const text = '{"t":"héllo — 日本語 🎉"}\n{"t":"ok"}\n';
    const bytes = Buffer.from(text);
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    assert.deepEqual(split(chunks), ['{"t":"héllo — 日本語 🎉"}', '{"t":"ok"}']);
  });

  it('strips CRLF and skips blank lines', () => {
    const crlf = transcript.replace(/\n/g, '\r\n');
    assert.deepEqual(split([crlf]), expected);
    for (const at of [1, 7, crlf.indexOf('\r') + 1, crlf.length - 1]) {
      assert.deepEqual(split([crlf.slice(0, at), crlf.slice(at)]), expected, `CRLF split at ${at}`);
    }
    assert.deepEqual(split(['\n\r\n  \n{"a":1}\n\n']), ['{"a":1}']);
  });

  it('delivers a final line that has no newline', () => {
    assert.deepEqual(split(['{"a":1}\n{"b":2}']), ['{"a":1}', '{"b":2}']);
  });

  it('handles a line of many megabytes arriving in small pieces', () => {
    const big = JSON.stringify({ type: 'user', content: 'x'.repeat(8 * 1024 * 1024) });
    const chunks: string[] = [];
    for (let i = 0; i < big.length; i += 65536) chunks.push(big.slice(i, i + 65536));
    chunks.push('\n{"after":true}\n');
    const lines = split(chunks);
    assert.equal(lines.length, 2);
    assert.equal(lines[0].length, big.length);
    assert.equal(lines[1], '{"after":true}');
  });
});

describe('LineSplitter bound', () => {
  it('throws LineTooLongError once a line outgrows the bound, before joining it, and not for lines within it', () => {
    const lines: string[] = [];
    const ok = new LineSplitter((l) => lines.push(l), 1000);
    ok.push(`${'a'.repeat(999)}\n`);
    assert.equal(lines[0].length, 999);
    const split = new LineSplitter(() => undefined, 1000);
    assert.throws(() => {
      for (let i = 0; i < 11; i++) split.push('b'.repeat(100));
    }, (err: unknown) => err instanceof LineTooLongError && err.maxChars === 1000 && /grew past 0 MB|grew past/.test(err.message));
    const whole = new LineSplitter(() => undefined, 1000);
    assert.throws(() => whole.push(`${'c'.repeat(1001)}\n`), LineTooLongError);
  });
});

describe('parseJsonObject', () => {
  it('returns objects and nothing else', () => {
    assert.deepEqual(parseJsonObject('{"a":1}'), { a: 1 });
    assert.equal(parseJsonObject('[1,2]'), undefined);
    assert.equal(parseJsonObject('null'), undefined);
    assert.equal(parseJsonObject('Warning: something on stdout'), undefined);
    assert.equal(parseJsonObject('{"cut":'), undefined);
    assert.deepEqual(parseJsonObject('  {"a":2}'), { a: 2 });
  });
});
