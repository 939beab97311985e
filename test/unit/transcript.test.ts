import * as assert from 'node:assert/strict';
import { answerText, applyEvent, emptyTranscript, formatFooter, itemText, toolSummary } from '../../src/shared/transcript';

describe('transcript model', () => {
  it('merges text deltas and reports which item changed', () => {
    const t = emptyTranscript();
    assert.equal(applyEvent(t, { type: 'started', agentId: 'claude', model: 'm', agentVersion: '1' }), -1);
    assert.equal(applyEvent(t, { type: 'text', text: 'Hel' }), 0);
    assert.equal(applyEvent(t, { type: 'text', text: 'lo' }), 0);
    assert.equal(applyEvent(t, { type: 'tool-use', id: 't1', name: 'Bash', input: { command: 'ls' } }), 1);
    assert.equal(applyEvent(t, { type: 'text', text: 'After' }), 2);
    assert.equal(applyEvent(t, { type: 'tool-result', toolUseId: 't1', output: 'a\nb', isError: false }), 1);
    assert.equal(itemText(t.items[0]), 'Hello');
    assert.equal(answerText(t), 'HelloAfter');
    assert.deepEqual(t.items[1], { kind: 'tool', id: 't1', name: 'Bash', input: { command: 'ls' }, result: { output: 'a\nb', isError: false } });
    assert.equal(t.model, 'm');
  });

  it('shows a failure message once, even when the agent already reported it', () => {
    const t = emptyTranscript();
    applyEvent(t, { type: 'error', message: 'not found' });
    applyEvent(t, { type: 'done', outcome: { status: 'failed', message: 'not found', durationMs: 1 } });
    assert.equal(t.items.filter((i) => i.kind === 'error').length, 1);
    const u = emptyTranscript();
    applyEvent(u, { type: 'done', outcome: { status: 'failed', message: 'ended without a result', durationMs: 1 } });
    assert.deepEqual(u.items, [{ kind: 'error', message: 'ended without a result' }]);
  });

  it('formats the footer: status, duration, tokens, cost', () => {
    const t = emptyTranscript();
    assert.equal(formatFooter(t, 2500, 1000).status, 'Running…');
    assert.equal(formatFooter(t, 2500, 1000).duration, '1.5 s');
    applyEvent(t, { type: 'usage', inputTokens: 12_345, outputTokens: 67, costUsd: 0.0123 });
    applyEvent(t, { type: 'done', outcome: { status: 'succeeded', durationMs: 125_000 } });
    assert.deepEqual(formatFooter(t, 0, 0), { status: 'Done', duration: '2 min 5 s', tokens: '12.3k in · 67 out', cost: '$0.01' });
  });

  it('summarises tool calls by their main argument', () => {
    assert.equal(toolSummary('Bash', { command: 'npm test\nmore', description: 'x' }), 'Bash: npm test');
    assert.equal(toolSummary('Read', { file_path: '/a/b.ts' }), 'Read: /a/b.ts');
    assert.equal(toolSummary('Mystery', 42), 'Mystery');
  });
});

describe('cache events in the transcript', () => {
  it('labels a replayed answer with its age and savings', async () => {
    const { formatCacheBadge } = await import('../../src/shared/transcript');
    const t = emptyTranscript();
    assert.equal(formatCacheBadge(t), '');
    applyEvent(t, { type: 'cache', status: 'hit', ageMs: 3 * 3600_000, savedMs: 12_300, savedTokens: 1234, savedCostUsd: 0.021 });
    applyEvent(t, { type: 'text', text: 'replayed' });
    assert.equal(formatCacheBadge(t), 'From cache · 3 h old · saved 12.3 s, 1234 tokens, $0.02');
  });

  it('shows a miss only when it can say why', () => {
    const t = emptyTranscript();
    assert.equal(applyEvent(t, { type: 'cache', status: 'miss', reason: '' }), -1);
    assert.equal(applyEvent(t, { type: 'cache', status: 'miss', reason: 'claude CLI version changed' }), 0);
    assert.deepEqual(t.items[0], { kind: 'notice', message: 'Not from cache: claude CLI version changed' });
  });
});
