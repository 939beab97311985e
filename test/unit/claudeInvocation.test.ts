import * as assert from 'node:assert/strict';
import { claudeAgent } from '../../src/core/agents/claude';

describe('Claude Code invocation', () => {
  it('streams partial messages, reads the prompt from stdin, and defaults to read-only', () => {
    const inv = claudeAgent.invocation('do it', {});
    assert.deepEqual(inv.args, ['-p', '--output-format', 'stream-json', '--verbose', '--include-partial-messages', '--permission-mode', 'plan']);
    assert.equal(inv.stdin, 'do it');
    assert.ok('CLAUDECODE' in inv.env && inv.env.CLAUDECODE === undefined, 'CLAUDECODE must be removed');
  });

  it('passes each allowed tool as its own argument, last, and the model', () => {
    const inv = claudeAgent.invocation('p', { model: 'sonnet', permissionMode: 'default', allowedTools: ['Bash(echo *)', 'Read'], environment: { X: '1' } });
    assert.deepEqual(inv.args.slice(5), ['--permission-mode', 'default', '--model', 'sonnet', '--allowedTools', 'Bash(echo *)', 'Read']);
    assert.equal(inv.env.X, '1');
  });

  it('never bypasses permissions', () => {
    assert.throws(() => claudeAgent.invocation('p', { permissionMode: 'bypassPermissions' }), /Unsupported Claude Code permission mode/);
  });
});
