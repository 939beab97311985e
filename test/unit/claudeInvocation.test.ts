import * as assert from 'node:assert/strict';
import { claudeAgent } from '../../src/core/agents/claude';

describe('Claude Code invocation', () => {
  it('streams partial messages, reads the prompt from stdin, and defaults to read-only', () => {
    const inv = claudeAgent.invocation('do it', {});
    assert.deepEqual(inv.args, ['-p', '--output-format', 'stream-json', '--verbose', '--include-partial-messages', '--permission-mode=plan']);
    assert.equal(claudeAgent.isReadOnly(inv.args), true);
    assert.equal(inv.stdin, 'do it');
    assert.ok('CLAUDECODE' in inv.env && inv.env.CLAUDECODE === undefined, 'CLAUDECODE must be removed');
  });

  it('passes each value as --flag=value, one allowed tool per flag, and the model', () => {
    const inv = claudeAgent.invocation('p', { model: 'sonnet', permissionMode: 'default', allowedTools: ['Bash(echo *)', 'Read'], environment: { X: '1' } });
    assert.deepEqual(inv.args.slice(5), ['--permission-mode=default', '--model=sonnet', '--allowedTools=Bash(echo *)', '--allowedTools=Read']);
    assert.equal(inv.env.X, '1');
  });

  it('refuses values that would reach the command line as flags of their own, and malformed allow rules', () => {
    assert.throws(() => claudeAgent.invocation('p', { model: '--dangerously-skip-permissions' }), /Refusing the Claude Code model "--dangerously-skip-permissions"/);
    assert.throws(() => claudeAgent.invocation('p', { model: ' -x' }), /must not be empty, start with "-"/);
    assert.throws(() => claudeAgent.invocation('p', { model: 'a\nb' }), /control characters/);
    for (const rule of ['--dangerously-skip-permissions', 'Bash Edit', 'Bash,Edit', 'Bash(echo) Edit', '', 'Bash(a(b))']) {
      assert.throws(() => claudeAgent.invocation('p', { permissionMode: 'default', allowedTools: [rule] }), /allowed-tool rule/, rule);
    }
    assert.doesNotThrow(() => claudeAgent.invocation('p', { permissionMode: 'default', allowedTools: ['mcp__github__get_issue', 'Bash(git log --oneline *)', 'WebFetch(domain:example.com)'] }));
  });

  it('judges read-only from the command line it passes: plan mode and no allow rules', () => {
    assert.equal(claudeAgent.isReadOnly(claudeAgent.invocation('p', { permissionMode: 'plan' }).args), true);
    assert.equal(claudeAgent.isReadOnly(claudeAgent.invocation('p', { permissionMode: 'plan', allowedTools: ['Bash(echo *)'] }).args), false);
    assert.equal(claudeAgent.isReadOnly(claudeAgent.invocation('p', { permissionMode: 'acceptEdits' }).args), false);
    // Not ours, so not trusted: a second mode flag, or none.
    assert.equal(claudeAgent.isReadOnly(['-p', '--permission-mode=plan', '--permission-mode=acceptEdits']), false);
    assert.equal(claudeAgent.isReadOnly(['-p']), false);
  });

  it('never bypasses permissions', () => {
    assert.throws(() => claudeAgent.invocation('p', { permissionMode: 'bypassPermissions' }), /Unsupported Claude Code permission mode/);
  });
});
