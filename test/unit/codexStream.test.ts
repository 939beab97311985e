import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { ProcessEnd } from '../../src/core/agents/cliAgent';
import { codexAgent } from '../../src/core/agents/codex';
import { CodexStreamParser } from '../../src/core/agents/codexStream';
import { fixture } from '../support/fixtures';
import { ofType, parseWith, textOf } from '../support/transcripts';

const parse = (chunks: Array<string | Buffer>, end: Partial<ProcessEnd> = {}) => parseWith((emit) => new CodexStreamParser(emit), chunks, end);

const text = textOf;
const lines = (...objects: object[]) => objects.map((o) => JSON.stringify(o)).join('\n') + '\n';

/** The lines of a fixture up to and including the first one containing `marker`. */
function upTo(name: string, marker: string): string {
  const all = fixture(name).split('\n');
  const i = all.findIndex((l) => l.includes(marker));
  assert.ok(i >= 0, `${marker} not in ${name}`);
  return all.slice(0, i + 1).join('\n') + '\n';
}

describe('CodexStreamParser on real Codex 0.169 transcripts', () => {
  it('a tool run: the command shows when it starts, its output when it completes, under one id', () => {
    const { events, outcome } = parse([fixture('captured-codex-tool.jsonl')]);
    assert.deepEqual(
      events.map((e) => e.type),
      ['started', 'text', 'tool-use', 'tool-result', 'text', 'usage'],
    );
    const [started] = ofType(events, 'started');
    assert.equal(started.agentId, 'codex');
    assert.equal(started.sessionId, '01a2087d-6b2f-7ad2-b997-94ece1fe7138');
    const [use] = ofType(events, 'tool-use');
    assert.deepEqual(use, { type: 'tool-use', id: 'item_1', name: 'shell', input: { command: "/bin/bash -lc 'echo hello'" } });
    const [result] = ofType(events, 'tool-result');
    assert.deepEqual(result, { type: 'tool-result', toolUseId: 'item_1', output: 'hello\n', isError: false });
    assert.equal(text(events), "I'll run the command.The command printed: hello");
    assert.equal(outcome.status, 'succeeded');
    assert.equal(outcome.result, 'The command printed: hello');
    const [usage] = ofType(events, 'usage');
    assert.deepEqual(usage, { type: 'usage', inputTokens: 50, outputTokens: 23, cacheReadTokens: 0 });
  });

  it('an `error` item (unknown model metadata) is a notice, not a failure', () => {
    const { events, outcome } = parse([fixture('codex-exec-json.jsonl')]);
    const notices = ofType(events, 'notice');
    assert.equal(notices.length, 1);
    assert.match(notices[0].message, /Model metadata for `gpt-5.1-codex` not found/);
    assert.equal(ofType(events, 'tool-use').length, 1, 'item.started and item.completed give one tool use');
    assert.equal(ofType(events, 'tool-result')[0].toolUseId, ofType(events, 'tool-use')[0].id);
    assert.equal(outcome.status, 'succeeded');
    assert.equal(outcome.result, 'The command printed: hello');
  });

  it('a reasoning item is thinking, the agent message the answer', () => {
    const { events, outcome } = parse([fixture('codex-exec-json-reasoning.jsonl')]);
    assert.deepEqual(ofType(events, 'thinking'), [{ type: 'thinking', text: '**Planning a greeting**\n\nThe user wants a hello.' }]);
    assert.equal(text(events), 'Hello!');
    assert.equal(outcome.result, 'Hello!');
    assert.equal(ofType(events, 'usage')[0].outputTokens, 12);
  });

  it('a command that exits non-zero is an error result, and the turn still succeeds', () => {
    const { events, outcome } = parse([fixture('captured-codex-tool-exit-code.jsonl')]);
    const [result] = ofType(events, 'tool-result');
    assert.equal(result.output, 'oops\n');
    assert.equal(result.isError, true);
    assert.equal(outcome.status, 'succeeded');
  });

  it('an API error: the reconnect lines are notices, turn.failed is the failure and its message', () => {
    const { events, outcome } = parse([fixture('captured-codex-api-error.jsonl')], { exitCode: 1 });
    const notices = ofType(events, 'notice').map((n) => n.message);
    assert.equal(notices.length, 2);
    assert.match(notices[0], /^Reconnecting\.\.\. 1\/1 \(unexpected status 401/);
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /^unexpected status 401 Unauthorized: Mock error \(HTTP 401\)/);
    assert.equal(outcome.exitCode, 1);
  });

  it('the terminal event decides before the exit code', () => {
    assert.equal(parse([fixture('captured-codex-api-error.jsonl')], { exitCode: 0 }).outcome.status, 'failed');
    assert.equal(parse([fixture('captured-codex-tool.jsonl')], { exitCode: 1 }).outcome.status, 'succeeded');
  });

  it('a stream that broke off and could not be resumed fails with the reason Codex gave', () => {
    const { outcome } = parse([fixture('captured-codex-reconnect.jsonl')], { exitCode: 1 });
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /^stream disconnected before completion/);
  });

  it('an interrupt we asked for is a cancellation; the same stream unasked is a failure', () => {
    const sigint = fixture('captured-codex-sigint.jsonl');
    assert.equal(parse([sigint], { exitCode: 1, stoppedBy: 'cancelled' }).outcome.status, 'cancelled');
    assert.equal(parse([sigint], { exitCode: 1, stoppedBy: 'timed-out' }).outcome.status, 'timed-out');
    const { outcome } = parse([sigint], { exitCode: 1 });
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /^OpenAI Codex ended without a result \(exit code 1\)\./);
  });

  it('a stream cut before its terminal event is a failed run that keeps the partial output', () => {
    const cut = upTo('captured-codex-tool.jsonl', '"item.completed","item":{"id":"item_1"') + '{"type":"item.compl';
    const { events, outcome } = parse([cut], { exitCode: null, signal: 'SIGKILL', stderrTail: 'Segmentation fault\n' });
    assert.equal(text(events), "I'll run the command.");
    assert.equal(ofType(events, 'tool-result')[0].output, 'hello\n');
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /ended without a result \(killed by SIGKILL\)/);
    assert.match(outcome.message!, /Segmentation fault/);
    assert.equal(outcome.result, undefined);
  });

  it('an `error` with no later turn.completed is the failure, and names the error', () => {
    const stream = upTo('captured-codex-reconnect.jsonl', 'Reconnecting');
    const { outcome } = parse([stream], { exitCode: 1 });
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /Last error: Reconnecting\.\.\. 1\/1 \(stream disconnected/);
    // An error after turn.completed is not followed by one: a failure too.
    const late = fixture('captured-codex-tool.jsonl') + lines({ type: 'error', message: 'lost the session' });
    const after = parse([late]).outcome;
    assert.equal(after.status, 'failed');
    assert.match(after.message!, /lost the session/);
  });

  it('gives identical events whichever byte the stream is split at, and with CRLF', () => {
    for (const name of ['captured-codex-tool.jsonl', 'codex-exec-json.jsonl', 'captured-codex-api-error.jsonl']) {
      const whole = fixture(name);
      const reference = parse([whole]);
      const bytes = Buffer.from(whole);
      for (let i = 0; i <= bytes.length; i++) {
        assert.deepEqual(parse([bytes.subarray(0, i), bytes.subarray(i)]), reference, `${name} split at ${i}`);
      }
      assert.deepEqual(parse([whole.replace(/\n/g, '\r\n')]), reference, `${name} with CRLF`);
    }
  });

  it('ignores unknown event types, item types and fields instead of failing', () => {
    const extra = lines(
      { type: 'item.plan.delta', item_id: 'item_9', delta: 'step' },
      { type: 'request_user_input', id: 'r1', call_id: 'c1', questions: [] },
      { type: 'brand.new.event', x: 1 },
      { type: 'item.completed', item: { id: 'item_8', type: 'hologram', text: 'not shown' } },
      { type: 'item.completed', item: 'not even an object' },
      { type: 'item.started' },
      { type: 'error' },
      { no_type: true },
    );
    const base = fixture('captured-codex-tool.jsonl').split('\n');
    const withExtra = [base[0], base[1], extra, ...base.slice(2)].join('\n').replace('"status":"completed"}', '"status":"completed","future_field":[1]}');
    const reference = parse([fixture('captured-codex-tool.jsonl')]);
    assert.deepEqual(parse([withExtra]), reference);
  });

  it('consecutive messages stay separate paragraphs', () => {
    const stream = lines(
      { type: 'thread.started', thread_id: 't' },
      { type: 'item.completed', item: { id: 'item_0', type: 'agent_message', text: 'First.' } },
      { type: 'item.completed', item: { id: 'item_1', type: 'agent_message', text: 'Second.' } },
      { type: 'turn.completed', usage: {} },
    );
    const { events, outcome } = parse([stream]);
    assert.equal(text(events), 'First.\n\nSecond.');
    assert.equal(outcome.result, 'Second.');
  });

  // Shapes from codex-rs/exec/src/exec_events.rs (not produced by the loopback model).
  it('maps file changes, MCP calls, web searches and plans onto tools and notices', () => {
    const change = (status: string) => ({ id: 'item_1', type: 'file_change', changes: [{ path: 'src/a.ts', kind: 'update' }, { path: 'b.md', kind: 'add' }], status });
    const mcp = (extra: object) => ({ id: 'item_2', type: 'mcp_tool_call', server: 'docs', tool: 'search', arguments: { q: 'x' }, ...extra });
    const todo = (done: boolean) => ({ id: 'item_4', type: 'todo_list', items: [{ text: 'Read', completed: true }, { text: 'Write', completed: done }] });
    const stream = lines(
      { type: 'item.started', item: todo(false) },
      { type: 'item.started', item: change('in_progress') },
      { type: 'item.updated', item: change('in_progress') },
      { type: 'item.completed', item: change('completed') },
      { type: 'item.started', item: mcp({ status: 'in_progress', result: null, error: null }) },
      { type: 'item.completed', item: mcp({ status: 'failed', result: null, error: { message: 'server gone' } }) },
      { type: 'item.started', item: { id: 'item_3', type: 'web_search', query: '', action: { type: 'other' } } },
      { type: 'item.completed', item: { id: 'item_3', type: 'web_search', query: 'codex exec', action: { type: 'search' } } },
      { type: 'item.updated', item: todo(true) },
      { type: 'item.completed', item: todo(true) },
      { type: 'turn.completed', usage: { input_tokens: 1, output_tokens: 2 } },
    );
    const { events, outcome } = parse([stream]);
    const uses = ofType(events, 'tool-use');
    assert.deepEqual(
      uses.map((u) => [u.id, u.name]),
      [
        ['item_1', 'apply_patch'],
        ['item_2', 'docs.search'],
        ['item_3', 'web_search'],
      ],
    );
    assert.equal((uses[0].input as { path: string }).path, 'src/a.ts, b.md');
    assert.equal((uses[2].input as { query: string }).query, 'codex exec', 'a search is shown once its query is known');
    const results = ofType(events, 'tool-result');
    assert.deepEqual(
      results.map((r) => [r.toolUseId, r.output, r.isError]),
      [
        ['item_1', 'update src/a.ts\nadd b.md', false],
        ['item_2', 'server gone', true],
        ['item_3', '', false],
      ],
    );
    assert.deepEqual(
      ofType(events, 'notice').map((n) => n.message),
      ['Plan:\n[x] Read\n[ ] Write', 'Plan:\n[x] Read\n[x] Write'],
    );
    assert.equal(outcome.status, 'succeeded');
  });

  it('an MCP result shows its text content', () => {
    const item = { id: 'item_5', type: 'mcp_tool_call', server: 's', tool: 't', arguments: {}, status: 'completed', error: null, result: { content: [{ type: 'text', text: 'found it' }], structured_content: null } };
    const { events } = parse([lines({ type: 'item.completed', item })]);
    assert.deepEqual(ofType(events, 'tool-result'), [{ type: 'tool-result', toolUseId: 'item_5', output: 'found it', isError: false }]);
  });

  it('a fatal error on stderr with no JSON at all becomes a readable message with a way out', () => {
    const stderrTail =
      'WARNING: proceeding, even though we could not create PATH aliases: Refusing to create helper binaries under temporary dir "/tmp"\n' +
      'Not inside a trusted directory and --skip-git-repo-check was not specified.\n';
    const { events, outcome } = parse([], { exitCode: 1, stderrTail });
    assert.deepEqual(events, []);
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /^OpenAI Codex could not start the run \(exit code 1\): Not inside a trusted directory and --skip-git-repo-check was not specified\. /);
    assert.match(outcome.message!, /git init/);
    assert.match(outcome.message!, /\nWARNING: proceeding/, 'the rest of stderr follows');
  });

  it('a usage error leads with the error line, not the help text after it', () => {
    const stderrTail = "error: unexpected argument '--full-auto' found\n\n  tip: to pass '--full-auto' as a value, use '-- --full-auto'\n\nUsage: codex exec [OPTIONS] [PROMPT]\n\nFor more information, try '--help'.\n";
    const { outcome } = parse([], { exitCode: 2, stderrTail });
    assert.match(outcome.message!, /^OpenAI Codex could not start the run \(exit code 2\): error: unexpected argument '--full-auto' found/);
    assert.doesNotMatch(outcome.message!, /git init/);
  });

  it('a broken config.toml: the error, then where it is', () => {
    const stderrTail =
      'WARNING: proceeding, even though we could not create PATH aliases\n' +
      'Error loading config.toml:\n/home/dev/.codex/config.toml:9:10: unclosed array, expected `]`\n  |\n9 | bogus = [\n  |          ^\n';
    const { outcome } = parse([], { exitCode: 1, stderrTail });
    assert.match(outcome.message!, /^OpenAI Codex could not start the run \(exit code 1\): Error loading config\.toml:\n\/home\/dev\/\.codex\/config\.toml:9:10: unclosed array/);
    assert.match(outcome.message!, /\^\nWARNING: proceeding/);
  });

});

describe('OpenAI Codex invocation', () => {
  it('runs `codex exec --json` read-only by default, with the prompt on stdin', () => {
    const inv = codexAgent.invocation('do it', {});
    assert.deepEqual(inv.args, ['exec', '--json', '--sandbox=read-only', '-']);
    assert.equal(codexAgent.isReadOnly(inv.args), true);
    assert.equal(inv.stdin, 'do it');
    assert.equal(codexAgent.defaultPermissionMode, 'read-only');
    assert.equal(codexAgent.permissionModes.find((m) => m.value === 'read-only')?.readOnly, true);
  });

  it('maps the model, the sandbox mode and the environment', () => {
    const inv = codexAgent.invocation('p', { model: 'gpt-5.1-codex', permissionMode: 'workspace-write', environment: { OPENAI_BASE_URL: 'http://x' } });
    assert.deepEqual(inv.args, ['exec', '--json', '--sandbox=workspace-write', '--model=gpt-5.1-codex', '-']);
    assert.equal(codexAgent.isReadOnly(inv.args), false);
    assert.throws(() => codexAgent.invocation('p', { model: '--full-auto' }), /Refusing the Codex model/);
    assert.throws(() => codexAgent.invocation('p', { allowedTools: ['shell'] }), /no allowed-tools list/);
    assert.equal(inv.env.OPENAI_BASE_URL, 'http://x');
  });

  it('never bypasses the sandbox or the Git repository check', () => {
    assert.throws(() => codexAgent.invocation('p', { permissionMode: 'danger-full-access' }), /Unsupported OpenAI Codex permission mode "danger-full-access"; use one of read-only, workspace-write/);
    for (const mode of codexAgent.permissionModes) {
      const args = codexAgent.invocation('p', { permissionMode: mode.value }).args;
      assert.ok(!args.some((a) => /danger|bypass|skip-git-repo-check|full-auto|approve-for-me/.test(a)), args.join(' '));
    }
  });

  it('looks in the standalone installer locations (POSIX)', () => {
    const dirs = codexAgent.knownLocations('/home/u', { CODEX_HOME: '/data/codex' }, 'linux');
    assert.deepEqual(dirs, ['/home/u/.local/bin', '/data/codex/packages/standalone/current/bin', '/data/codex/packages/standalone/current']);
    assert.ok(codexAgent.knownLocations('/home/u', {}, 'darwin').includes(path.posix.join('/home/u', '.codex', 'packages', 'standalone', 'current', 'bin')));
  });

  it('looks in the standalone installer locations (Windows, env names in any case)', () => {
    const env = { LocalAppData: 'C:\\Users\\u\\AppData\\Local', codex_install_dir: 'D:\\tools\\codex' };
    const dirs = codexAgent.knownLocations('C:\\Users\\u', env, 'win32');
    assert.deepEqual(dirs, [
      'D:\\tools\\codex',
      'C:\\Users\\u\\AppData\\Local\\Programs\\OpenAI\\Codex\\bin',
      'C:\\Users\\u\\.codex\\packages\\standalone\\current\\bin',
      'C:\\Users\\u\\.codex\\packages\\standalone\\current',
    ]);
  });
});
