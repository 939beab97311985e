import * as assert from 'node:assert/strict';
import { checkPrompt, composePrompt, UserInputError } from '../../src/core/run/prompt';

describe('prompts', () => {
  it('attaches context in a fence no backtick run inside can close', () => {
    const p = composePrompt('Explain', { label: 'a.md', startLine: 3, endLine: 5, languageId: 'markdown', text: 'x\n````\ny' });
    assert.match(p, /^Explain\n\nContext: a\.md, lines 3-5:\n`````markdown\nx\n````\ny\n`````\n$/);
    assert.equal(composePrompt('Just this', undefined), 'Just this');
    assert.equal(composePrompt('Just this', { label: 'a', startLine: 1, endLine: 1, text: '   ' }), 'Just this');
  });

  it('refuses empty and oversized prompts with a message that says what to do', () => {
    assert.throws(() => checkPrompt('  \n', 10), UserInputError);
    assert.doesNotThrow(() => checkPrompt('x'.repeat(1024), 1));
    assert.throws(() => checkPrompt('x'.repeat(1025), 1), /2 KB, more than the limit of 1 KB.*maxPromptKilobytes/);
    // Bytes, not characters: three-byte characters count three times.
    assert.throws(() => checkPrompt('€'.repeat(400), 1), UserInputError);
  });
});
