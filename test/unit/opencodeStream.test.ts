import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { ProcessEnd } from '../../src/core/agents/cliAgent';
import { opencodeAgent } from '../../src/core/agents/opencode';
import { OpenCodeStreamParser } from '../../src/core/agents/opencodeStream';
import { fixture } from '../support/fixtures';
import { ofType, parseWith, textOf } from '../support/transcripts';

// Stderr exactly as OpenCode 1.18.33 wrote it (colour codes included) in the captures.
const STDERR = {
  rejected: '\u001b[93m\u001b[1m! \u001b[0mpermission requested: bash (echo hello); auto-rejecting\n',
  sessionNotFound: '\u001b[91m\u001b[1mError: \u001b[0mSession not found\n',
  noMessage: '\u001b[91m\u001b[1mError: \u001b[0mYou must provide a message or a command\n',
  agentFallback: '\u001b[93m\u001b[1m! \u001b[0m agent "nope" not found. Falling back to default agent\n',
  badConfig:
    '\u001b[91m\u001b[1mError: \u001b[0mConfig file at /home/dev/proj/opencode.json is not valid JSON(C): \n--- JSONC Input ---\n\n\n--- Errors ---\nValueExpected at line 2, column 1\n--- End ---\n',
};

const parse = (chunks: Array<string | Buffer>, end: Partial<ProcessEnd> = {}) => parseWith((emit) => new OpenCodeStreamParser(emit), chunks, end);

const text = textOf;
const lines = (name: string) => fixture(name).split('\n').filter(Boolean);

describe('OpenCodeStreamParser on real OpenCode 1.18.33 transcripts', () => {
  it('shows each part as it completes; a tool call and its real output pair up; the last step is the answer', () => {
    const { events, outcome } = parse([fixture('opencode-run-json.jsonl')]);
    const [started] = ofType(events, 'started');
    assert.equal(started.sessionId, 'ses_df7c90ef6ffehrhHcUb7ckLsgD');
    assert.equal(events[0].type, 'started');
    assert.equal(text(events), "I'll run the command.The command printed: hello");
    const [use] = ofType(events, 'tool-use');
    assert.deepEqual(use, { type: 'tool-use', id: 'toolu_mock01', name: 'bash', input: { command: 'echo hello', description: 'Print hello' } });
    const [result] = ofType(events, 'tool-result');
    assert.deepEqual(result, { type: 'tool-result', toolUseId: 'toolu_mock01', output: 'hello', isError: false });
    assert.deepEqual(
      events.map((e) => e.type),
      ['started', 'text', 'tool-use', 'tool-result', 'text', 'usage'],
    );
    assert.equal(outcome.status, 'succeeded');
    assert.equal(outcome.result, 'The command printed: hello');
  });

  it('sums usage over the steps, with cached and reasoning tokens counted in', () => {
    const { events } = parse([fixture('opencode-run-json.jsonl')], { durationMs: 1234 });
    const usage = ofType(events, 'usage');
    assert.equal(usage.length, 1, 'one total for the run');
    assert.deepEqual(usage[0], { type: 'usage', inputTokens: 50, outputTokens: 30, cacheReadTokens: 0, costUsd: 0.0006, durationMs: 1234, turns: 2 });

    const step = JSON.parse(lines('opencode-run-json.jsonl').at(-1)!);
    step.part.tokens = { total: 900, input: 100, output: 40, reasoning: 60, cache: { read: 500, write: 200 } };
    const [u] = ofType(parse([JSON.stringify(step) + '\n']).events, 'usage');
    assert.deepEqual([u.inputTokens, u.outputTokens, u.cacheReadTokens], [800, 100, 500]);
  });

  it('a run through the product invocation: tool allowed by the workspace config', () => {
    const { events, outcome } = parse([fixture('captured-opencode-tool.jsonl')]);
    assert.equal(ofType(events, 'tool-result')[0].output, 'hello');
    assert.equal(outcome.status, 'succeeded');
    assert.equal(outcome.result, 'The command printed: hello');
  });

  it('an API error is a failure with the API message', () => {
    const { events, outcome } = parse([fixture('captured-opencode-api-error.jsonl')], { exitCode: 1 });
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.message, 'Mock authentication_error (HTTP 401)');
    assert.equal(ofType(events, 'started').length, 1);
    assert.equal(ofType(events, 'usage').length, 0, 'no step, no usage');
  });

  it('the HTTP status is added when the error message lacks it; an error fails the run even with exit 0', () => {
    const line = JSON.parse(lines('captured-opencode-api-error.jsonl')[0]);
    line.error.data.message = 'Overloaded';
    line.error.data.statusCode = 529;
    const { outcome } = parse([JSON.stringify(line) + '\n'], { exitCode: 0 });
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.message, 'Overloaded (HTTP 529)');
  });

  it('a refused permission stops the run with exit 0: a failure that says what was refused and how to allow it', () => {
    const { events, outcome } = parse([fixture('captured-opencode-permission-rejected.jsonl')], { stderrTail: STDERR.rejected });
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /^OpenCode stopped before finishing its answer\. bash: The user rejected permission/);
    assert.match(outcome.message!, /allow the tool in OpenCode's "permission" config/);
    const [result] = ofType(events, 'tool-result');
    assert.equal(result.isError, true);
    assert.deepEqual(ofType(events, 'notice').map((n) => n.message), ['permission requested: bash (echo hello); auto-rejecting']);
    assert.equal(text(events), "I'll run the command.", 'what came before stays shown');
  });

  it('plan mode: the tool the model wanted was not even offered, and the run still answers', () => {
    const { events, outcome } = parse([fixture('captured-opencode-plan-readonly.jsonl')]);
    const [result] = ofType(events, 'tool-result');
    assert.equal(result.isError, true);
    assert.match(result.output, /unavailable tool/);
    assert.equal(outcome.status, 'succeeded');
    assert.match(outcome.result!, /^The command printed: Model tried to call unavailable tool/);
  });

  it('a non-zero exit of a command is a failed tool result', () => {
    const line = JSON.parse(lines('captured-opencode-tool.jsonl').find((l) => l.includes('"tool_use"'))!);
    line.part.state.metadata.exit = 2;
    const [result] = ofType(parse([JSON.stringify(line) + '\n']).events, 'tool-result');
    assert.equal(result.isError, true);
  });

  it('stderr-only fatal errors become readable messages without colour codes', () => {
    for (const [stderr, expected] of [
      [STDERR.sessionNotFound, 'OpenCode could not run (exit code 1): Session not found'],
      [STDERR.noMessage, 'OpenCode could not run (exit code 1): You must provide a message or a command'],
      [
        STDERR.badConfig,
        'OpenCode could not run (exit code 1): Config file at /home/dev/proj/opencode.json is not valid JSON(C):\n--- JSONC Input ---\n--- Errors ---\nValueExpected at line 2, column 1\n--- End ---',
      ],
    ]) {
      const { events, outcome } = parse([], { exitCode: 1, stderrTail: stderr });
      assert.equal(outcome.status, 'failed');
      assert.equal(outcome.message, expected);
      assert.deepEqual(events, []);
    }
  });

  it("OpenCode's warnings become notices, and a silent fallback to another agent is one of them", () => {
    const { events, outcome } = parse([fixture('captured-opencode-tool.jsonl')], { stderrTail: STDERR.agentFallback });
    assert.equal(outcome.status, 'succeeded');
    assert.deepEqual(ofType(events, 'notice').map((n) => n.message), ['agent "nope" not found. Falling back to default agent']);
    assert.ok(!events.some((e) => JSON.stringify(e).includes('\u001b')));
  });

  it('a stream cut off by a kill is a failed run that keeps the partial answer', () => {
    const all = lines('captured-opencode-tool.jsonl');
    const cut = all.slice(0, all.findIndex((l) => l.includes('"type":"text"')) + 1).join('\n') + '\n{"type":"tool_u';
    const { events, outcome } = parse([cut], { exitCode: null, signal: 'SIGKILL', stderrTail: 'Killed\n' });
    assert.equal(text(events), "I'll run the command.");
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /^OpenCode ended without finishing its answer \(killed by SIGKILL\)\.\nKilled$/);
  });

  it('exit 0 without any finished step is not a success', () => {
    const all = lines('captured-opencode-tool.jsonl');
    const { outcome } = parse([all[0] + '\n']);
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /ended without finishing its answer \(exit code 0\)/);
  });

  it('a cancel or timeout we asked for is reported as such, with the partial answer kept', () => {
    const all = lines('captured-opencode-tool.jsonl');
    const partial = all.slice(0, 2).join('\n') + '\n';
    for (const by of ['cancelled', 'timed-out'] as const) {
      const { events, outcome } = parse([partial], { exitCode: null, signal: 'SIGKILL', stoppedBy: by });
      assert.equal(outcome.status, by);
      assert.equal(text(events), "I'll run the command.");
    }
  });

  it('an answer that was complete before the cancel landed still succeeds', () => {
    const { outcome } = parse([fixture('captured-opencode-tool.jsonl')], { stoppedBy: 'cancelled' });
    assert.equal(outcome.status, 'succeeded');
  });

  it('the answer stops short when the model hits its output limit', () => {
    const all = lines('opencode-run-json.jsonl');
    const last = JSON.parse(all.at(-1)!);
    last.part.reason = 'length';
    const { outcome } = parse([[...all.slice(0, -1), JSON.stringify(last)].join('\n') + '\n']);
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /output limit/);
    last.part.reason = 'constructor'; // a reason we do not know is not looked up on Object's prototype
    assert.equal(parse([[...all.slice(0, -1), JSON.stringify(last)].join('\n') + '\n']).outcome.status, 'succeeded');
  });

  it('reasoning parts are thinking; a part reported twice is shown once', () => {
    const all = lines('opencode-run-json.jsonl');
    const textLine = all[1];
    const reasoning = JSON.parse(textLine);
    reasoning.type = 'reasoning';
    reasoning.part = { ...reasoning.part, id: 'prt_reasoning1', type: 'reasoning', text: 'Let me think.' };
    const toolLine = all[2];
    const doubled = [all[0], JSON.stringify(reasoning), textLine, textLine, toolLine, toolLine, ...all.slice(3)].join('\n') + '\n';
    const { events } = parse([doubled]);
    assert.deepEqual(ofType(events, 'thinking'), [{ type: 'thinking', text: 'Let me think.' }]);
    assert.equal(text(events), "I'll run the command.The command printed: hello");
    assert.equal(ofType(events, 'tool-use').length, 1);
    assert.equal(ofType(events, 'tool-result').length, 1);
  });

  it('gives identical events whichever byte the stream is split at', () => {
    for (const name of ['opencode-run-json.jsonl', 'captured-opencode-permission-rejected.jsonl']) {
      const whole = fixture(name);
      const reference = parse([whole]);
      const bytes = Buffer.from(whole);
      for (let i = 0; i <= bytes.length; i += 3) {
        assert.deepEqual(parse([bytes.subarray(0, i), bytes.subarray(i)]), reference, `${name} split at ${i}`);
      }
      assert.deepEqual(parse([whole.replace(/\n/g, '\r\n')]), reference, `${name} with CRLF`);
    }
  });

  it('ignores unknown event types and fields instead of failing', () => {
    const extra = [
      '{"type":"done","reason":"idle","rejected":[]}',
      '{"type":"brand_new_event","sessionID":"ses_other","x":1}',
      '{"type":"text","part":"not an object"}',
      '{"type":"tool_use","part":{"id":"p9","tool":"bash"}}',
      '{"type":"step_finish","part":{"tokens":"many","cost":"free","future":true}}',
      '{"type":"error"}',
      '{"no_type":true}',
    ];
    const base = fixture('opencode-run-json.jsonl');
    const reference = parse([base]);
    const withExtra = parse([base.replace('\n', `\n${extra.slice(0, 4).join('\n')}\n`)]);
    assert.deepEqual(withExtra, reference);
    // A step with nonsense fields still counts as a step; an empty error still fails the run.
    const tail = parse([base + extra.slice(4).join('\n') + '\n']);
    assert.equal(tail.outcome.status, 'failed');
    assert.equal(tail.outcome.message, 'OpenCode reported an error.');
  });
});

describe('OpenCode invocation', () => {
  it('defaults to the read-only plan agent, JSON events, the prompt on stdin and no title request', () => {
    const inv = opencodeAgent.invocation('do it', {});
    assert.deepEqual(inv.args, ['run', '--format', 'json', '--agent=plan', '--title=', '--thinking']);
    assert.equal(opencodeAgent.isReadOnly(inv.args), true);
    assert.equal(inv.stdin, 'do it');
    assert.equal(opencodeAgent.permissionModes.find((m) => m.value === opencodeAgent.defaultPermissionMode)?.readOnly, true);
    assert.equal(inv.env.OPENCODE_DISABLE_AUTOUPDATE, '1');
    assert.ok('PWD' in inv.env && inv.env.PWD === undefined, 'an inherited PWD would override the working folder');
  });

  it('plan mode denies everything but reading and searching, over any environment setting', () => {
    const inv = opencodeAgent.invocation('p', { environment: { OPENCODE_PERMISSION: '{"*":"allow"}', X: '1' } });
    const rules = JSON.parse(inv.env.OPENCODE_PERMISSION!);
    assert.equal(inv.env.X, '1');
    assert.equal(Object.keys(rules)[0], '*');
    assert.equal(rules['*'], 'deny');
    for (const tool of ['bash', 'edit', 'task', 'webfetch', 'external_directory']) assert.equal(rules[tool], 'deny', tool);
    for (const tool of ['grep', 'glob', 'list']) assert.equal(rules[tool], 'allow', tool);
    assert.equal(rules.read['*'], 'allow');
  });

  it("build mode leaves permissions to the user's OpenCode config and passes the model", () => {
    const inv = opencodeAgent.invocation('p', { permissionMode: 'build', model: 'anthropic/claude-sonnet-4-5', environment: { OPENCODE_PERMISSION: '{"bash":"ask"}' } });
    assert.deepEqual(inv.args.slice(3), ['--agent=build', '--title=', '--thinking', '--model=anthropic/claude-sonnet-4-5']);
    assert.equal(opencodeAgent.isReadOnly(inv.args), false);
    assert.throws(() => opencodeAgent.invocation('p', { model: '--auto' }), /Refusing the OpenCode model "--auto"/);
    assert.equal(inv.env.OPENCODE_PERMISSION, '{"bash":"ask"}');
  });

  it('never auto-approves, and refuses modes and allow lists it does not offer', () => {
    for (const mode of opencodeAgent.permissionModes) {
      const args = opencodeAgent.invocation('p', { permissionMode: mode.value }).args;
      assert.ok(!args.some((a) => /^--(auto|yolo|dangerously-skip-permissions)$/.test(a)), mode.value);
    }
    assert.throws(() => opencodeAgent.invocation('p', { permissionMode: 'auto' }), /Unsupported OpenCode permission mode "auto"/);
    assert.throws(() => opencodeAgent.invocation('p', { permissionMode: 'build', allowedTools: ['bash'] }), /"permission" in opencode.json/);
  });

  it('knows where the install script, Scoop and Chocolatey put it', () => {
    const posix = opencodeAgent.knownLocations('/home/u', { XDG_BIN_DIR: '/home/u/.local/bin' }, 'linux');
    assert.deepEqual(posix, ['/home/u/.local/bin', '/home/u/bin', '/home/u/.opencode/bin']);
    const win = opencodeAgent.knownLocations('C:\\Users\\u', { ChocolateyInstall: 'D:\\choco' }, 'win32');
    assert.ok(win.includes(path.win32.join('C:\\Users\\u', '.opencode', 'bin')));
    assert.ok(win.includes('C:\\Users\\u\\scoop\\shims'));
    assert.ok(win.includes('D:\\choco\\bin'));
  });
});
