import * as assert from 'node:assert/strict';
import MarkdownIt from 'markdown-it';
import { appendText, chunkedText, chunkSource, CHUNK_MAX, CHUNK_TARGET, settle, wholeText, type ChunkedText } from '../../src/shared/textChunks';
import { rng } from '../support/seeded';

const md = new MarkdownIt({ html: false, linkify: true });
const BLOCK = [
  '# Plan',
  '',
  'First paragraph with `code` and **bold**.',
  '',
  '```ts',
  'const a = 1;',
  '',
  'const b = 2;',
  '```',
  '',
  '- item one',
  '- item two',
  '',
  '  continued item text',
  '',
  '> quoted',
  '',
  '~~~',
  'tilde fence',
  '',
  '~~~',
  '',
  'Last line',
  '',
].join('\n');

/** Feeds `text` in deltas of `step` characters, settling every `every` deltas (a frame). */
function feed(text: string, step: number, every = 1): ChunkedText {
  const t = chunkedText();
  for (let i = 0, n = 0; i < text.length; i += step, n++) {
    appendText(t, text.slice(i, i + step));
    if (n % every === 0) settle(t);
  }
  settle(t);
  return t;
}

const strip = (s: string) => s.replace(/\s+/g, '').replace(/<\/ul><ul>/g, '');

describe('chunked text', () => {
  it('keeps every character, in order, however it arrives', () => {
    const text = BLOCK.repeat(200);
    for (const [step, every] of [[1, 1], [7, 3], [100, 10], [5000, 1], [text.length, 1]]) {
      const t = feed(text, step, every);
      assert.equal(wholeText(t), text, `step ${step}`);
      assert.equal(t.chars, text.length);
      assert.ok(t.chunks.length > 1, 'a long text is more than one chunk');
    }
  });

  it('cuts only between top-level blocks while it can: rendering chunk by chunk gives the same HTML as rendering it whole', () => {
    const text = BLOCK.repeat(200);
    for (const step of [1, 13, 333]) {
      const t = feed(text, step);
      for (const c of t.chunks.slice(0, -1)) {
        assert.equal(c.fence, undefined, 'a clean cut is never inside a fence');
        assert.ok(c.text.length >= CHUNK_TARGET && c.text.length <= CHUNK_MAX + 200, `a chunk of ${c.text.length}`);
      }
      // Lists split at a blank line render as two lists; everything else is identical.
      assert.equal(strip(t.chunks.map((c) => md.render(chunkSource(c))).join('')), strip(md.render(text)), `step ${step}`);
    }
  });

  it('a huge code block is cut at lines, each chunk reopening the fence; its code reads the same', () => {
    const code = Array.from({ length: 5000 }, (_, i) => `line ${i} of the code`).join('\n');
    const text = `Intro\n\n\`\`\`python title\n${code}\n\`\`\`\n\nAfter the code.\n`;
    const t = feed(text, 97);
    assert.ok(t.chunks.length > 5);
    for (const c of t.chunks.slice(0, -1)) assert.ok(c.text.length <= CHUNK_MAX + 64, `a chunk of ${c.text.length}`);
    assert.ok(t.chunks.slice(1, -1).every((c) => c.fence === '```python title'), 'every middle chunk starts inside the fence');
    const codes = t.chunks.map((c) => md.render(chunkSource(c))).join('').match(/<pre><code[^>]*>([\s\S]*?)<\/code><\/pre>/g) ?? [];
    const joined = codes.map((p) => p.replace(/<[^>]+>/g, '')).join('');
    for (const i of [0, 1234, 4999]) assert.ok(joined.includes(`line ${i} of the code`), `line ${i} is missing from the rendered code`);
    assert.equal(t.chunks.at(-1)!.fence, undefined, 'the text after the fence is outside it');
  });

  it('a single line longer than a chunk is cut where it stands, and nothing is lost', () => {
    const line = 'x'.repeat(CHUNK_MAX * 5 + 17);
    const t = feed(line, 1000);
    assert.equal(wholeText(t), line);
    assert.ok(t.chunks.every((c) => c.text.length <= CHUNK_MAX), t.chunks.map((c) => c.text.length).join(','));
  });

  it('appending costs nothing until settled, and settling touches only the open chunk', () => {
    const t = chunkedText();
    for (let i = 0; i < 10_000; i++) appendText(t, 'word ');
    assert.equal(t.chunks[0].text, '', 'nothing joined before settle');
    assert.equal(settle(t), true);
    assert.equal(settle(t), false, 'nothing new');
    const closed = t.chunks.slice(0, -1).map((c) => c.text);
    appendText(t, 'more');
    settle(t);
    assert.deepEqual(t.chunks.slice(0, closed.length).map((c) => c.text), closed, 'closed chunks never change');
  });

  it('seeded random markdown: the text survives any split, and fences are tracked', () => {
    const next = rng(7);
    const pieces = ['para text ', '\n', '\n\n', '```\n', '~~~~\n', '```js\n', '    indented\n', '- item\n', '> quote\n', '`inline`', '# head\n', '\r\n', '   ```\n'];
    for (let c = 0; c < 200; c++) {
      let text = '';
      while (text.length < 30_000) text += pieces[Math.floor(next() * pieces.length)];
      const t = feed(text, 1 + Math.floor(next() * 500), 1 + Math.floor(next() * 5));
      assert.equal(wholeText(t), text, `case ${c}`);
    }
  });
});
