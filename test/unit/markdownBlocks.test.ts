import * as assert from 'node:assert/strict';
import MarkdownIt from 'markdown-it';
import { stableBoundary } from '../../src/shared/markdownBlocks';

const md = new MarkdownIt({ html: false, linkify: true });
const SAMPLE = [
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

describe('stableBoundary', () => {
  it('never cuts inside a fenced code block or before an indented continuation', () => {
    for (let end = 0; end <= SAMPLE.length; end++) {
      const text = SAMPLE.slice(0, end);
      const b = stableBoundary(text, 0);
      const before = text.slice(0, b);
      const fences = (before.match(/^(```|~~~)/gm) ?? []).length;
      assert.equal(fences % 2, 0, `cut inside a fence at ${b} of ${end}`);
      assert.ok(!/^\s/.test(text.slice(b, b + 1)) || b === 0 || b === text.length, `cut before indentation at ${b}`);
    }
  });

  it('growing the text chunk by chunk gives the same HTML as rendering it whole', () => {
    for (const step of [1, 3, 17]) {
      let committed = 0;
      let html = '';
      let text = '';
      for (let i = 0; i < SAMPLE.length; i += step) {
        text = SAMPLE.slice(0, i + step);
        const b = stableBoundary(text, committed);
        assert.ok(b >= committed);
        if (b > committed) {
          html += md.render(text.slice(committed, b));
          committed = b;
        }
      }
      html += md.render(text.slice(committed));
      const strip = (s: string) => s.replace(/\s+/g, '');
      // Lists split at a blank line render as two lists; everything else is identical.
      assert.equal(strip(html).replace(/<\/ul><ul>/g, ''), strip(md.render(SAMPLE)).replace(/<\/ul><ul>/g, ''), `step ${step}`);
    }
  });

  it('moves forward: a long answer gets committed as it grows', () => {
    const long = Array.from({ length: 1000 }, (_, i) => `Paragraph ${i}.\n\n`).join('');
    const b = stableBoundary(long, 0);
    assert.ok(b > long.length - 40, `boundary ${b} of ${long.length}`);
    assert.equal(stableBoundary(long, b), b);
  });
});
