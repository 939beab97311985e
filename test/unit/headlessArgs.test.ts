import * as assert from 'node:assert/strict';
import { parseCliArgs } from '../../src/headless/args';

describe('headless CLI arguments', () => {
  it('parses a run with its options and prompt words', () => {
    const a = parseCliArgs(['run', '--agent', 'claude', '--json', '--cwd', '/w', '--allowed-tools', 'Bash(echo *)', '--allowed-tools', 'Read', '--timeout', '5', 'fix', 'the', 'bug']);
    assert.equal(a.command, 'run');
    if (a.command !== 'run') return;
    assert.deepEqual(
      { agent: a.agent, json: a.json, cwd: a.cwd, tools: a.allowedTools, timeout: a.timeoutSeconds, prompt: a.prompt },
      { agent: 'claude', json: true, cwd: '/w', tools: ['Bash(echo *)', 'Read'], timeout: 5, prompt: 'fix the bug' },
    );
  });

  it('reads the prompt from stdin with "-", and keeps words after --', () => {
    const a = parseCliArgs(['run', '--agent', 'claude', '-']);
    assert.ok(a.command === 'run' && a.prompt === undefined);
    const b = parseCliArgs(['run', '--agent', 'claude', '--', '--not-an-option']);
    assert.ok(b.command === 'run' && b.prompt === '--not-an-option');
  });

  it('takes an OTLP endpoint as the metrics URL, refusing one that is not http(s)', () => {
    const a = parseCliArgs(['run', '--agent', 'claude', '--otlp-endpoint', 'http://localhost:4318', 'hi']);
    assert.ok(a.command === 'run' && a.otlpEndpoint === 'http://localhost:4318/v1/metrics');
    assert.throws(() => parseCliArgs(['run', '--agent', 'claude', '--otlp-endpoint', 'ftp://x', 'hi']), /http:\/\/ or https:\/\//);
  });

  it('rejects what it does not understand', () => {
    assert.throws(() => parseCliArgs(['run', 'hello']), /--agent is required/);
    assert.throws(() => parseCliArgs(['run', '--agent']), /needs a value/);
    assert.throws(() => parseCliArgs(['run', '--agent', 'x', '--bogus']), /Unknown option --bogus/);
    assert.throws(() => parseCliArgs(['run', '--agent', 'x', '--timeout', '-1']), /non-negative/);
    assert.throws(() => parseCliArgs(['explode']), /Unknown command/);
    assert.deepEqual(parseCliArgs([]), { command: 'help' });
  });
});
