import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { AgentOptions, ProcessEnd } from '../../src/core/agents/cliAgent';
import { geminiAgent, modeGuardPolicyFile } from '../../src/core/agents/gemini';
import { GeminiStreamParser } from '../../src/core/agents/geminiStream';
import { fixture } from '../support/fixtures';
import { ofType, parseWith, textOf } from '../support/transcripts';

const parse = (chunks: Array<string | Buffer>, end: Partial<ProcessEnd> = {}) => parseWith((emit) => new GeminiStreamParser(emit), chunks, end);

const text = textOf;

describe('GeminiStreamParser on real Gemini CLI 0.61 transcripts', () => {
  it('a tool run: deltas concatenated, tool call and result paired, the answer is the text after the tool', () => {
    const { events, outcome } = parse([fixture('captured-gemini-tool.jsonl')]);
    assert.equal(text(events), "I'll run the command.The command printed: hello");
    const [started] = ofType(events, 'started');
    assert.deepEqual({ agent: started.agentId, model: started.model, session: started.sessionId }, { agent: 'gemini', model: 'auto', session: '5e1e25fa-6541-4082-8562-acb97f1bef8c' });
    const [use] = ofType(events, 'tool-use');
    assert.equal(use.name, 'run_shell_command');
    assert.deepEqual(use.input, { command: 'echo hello', description: 'Print a word' });
    const [result] = ofType(events, 'tool-result');
    assert.deepEqual(result, { type: 'tool-result', toolUseId: use.id, output: 'hello', isError: false });
    assert.equal(outcome.status, 'succeeded');
    assert.equal(outcome.result, 'The command printed: hello');
    const [usage] = ofType(events, 'usage');
    assert.deepEqual(usage, { type: 'usage', inputTokens: 75, outputTokens: 3, cacheReadTokens: 0, durationMs: 232 });
  });

  it('the research transcript (yolo run) parses the same way', () => {
    const { events, outcome } = parse([fixture('gemini-stream-json.jsonl')]);
    assert.equal(text(events), "I'll run the command.The command printed: hello");
    assert.ok(ofType(events, 'text').length >= 5, 'text arrived as several deltas');
    assert.equal(outcome.status, 'succeeded');
    assert.equal(outcome.result, 'The command printed: hello');
    assert.equal(ofType(events, 'usage')[0].outputTokens, 15);
  });

  it('a tool refused by policy is an error result, and the run still succeeds', () => {
    const { events, outcome } = parse([fixture('captured-gemini-tool-denied.jsonl')]);
    const [result] = ofType(events, 'tool-result');
    assert.equal(result.isError, true);
    assert.equal(result.output, 'Tool execution denied by policy.');
    assert.equal(outcome.status, 'succeeded');
  });

  it('an API error names the HTTP status and says what to do', () => {
    const { outcome } = parse([fixture('captured-gemini-api-error.jsonl')], { exitCode: 145 });
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /^Gemini API error \(HTTP 401 UNAUTHENTICATED\): Mock error \(HTTP 401\)\. /);
    assert.match(outcome.message!, /check GEMINI_API_KEY/);
    assert.doesNotMatch(outcome.message!, /\{"error"/, 'the raw JSON is taken apart');
  });

  it('the HTTP status comes from the exit code when the message has none (status mod 256)', () => {
    const line = '{"type":"result","status":"error","error":{"type":"unknown","message":"[API Error: Quota exceeded]\\nPlease wait and try again later."},"stats":{"duration_ms":0}}';
    const { outcome } = parse([line], { exitCode: 173 });
    assert.match(outcome.message!, /^Gemini API error \(HTTP 429\): Quota exceeded\nPlease wait/);
    assert.match(outcome.message!, /rate limit/);
  });

  it('a mid-stream API error fails the run and keeps the partial answer', () => {
    const { events, outcome } = parse([fixture('captured-gemini-stream-error.jsonl')], { exitCode: 247 });
    assert.equal(text(events), 'Partial answer');
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /HTTP 503 UNAVAILABLE\): Overloaded\. .*try again later/);
  });

  it('a dropped connection is explained in words, not as undici\'s "terminated"', () => {
    const lines = [
      '{"type":"message","role":"assistant","content":"This answer will be cut","delta":true}',
      '{"type":"result","status":"error","error":{"type":"unknown","message":"[API Error: terminated]"},"stats":{"total_tokens":0,"duration_ms":0}}',
    ].join('\n');
    const { events, outcome } = parse([lines], { exitCode: 1 });
    assert.equal(outcome.message, 'Gemini API error: the connection to the model API was cut off mid-answer.');
    assert.equal(ofType(events, 'usage').length, 0, 'all-zero stats of a fatal error are not shown');
  });

  it('an error result with exit code 0 is still a failure, explained by the error event before it', () => {
    const { events, outcome } = parse([fixture('captured-gemini-no-finish-reason.jsonl')], { exitCode: 0 });
    assert.equal(text(events), 'Partial answer');
    assert.deepEqual(ofType(events, 'error').map((e) => e.message), ['Model stream ended without a finish reason.']);
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.message, 'Model stream ended without a finish reason.');
  });

  it('the turn limit (exit 53) says which setting to raise', () => {
    const { outcome } = parse([fixture('captured-gemini-turn-limit.jsonl')], { exitCode: 53 });
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /turn limit\. Raise `model\.maxSessionTurns`/);
    assert.match(outcome.message!, /Reached max session turns/);
  });

  it('exit 0 without a result is a cancellation when we stopped it…', () => {
    const { events, outcome } = parse([fixture('captured-gemini-sigterm.jsonl')], { exitCode: 0, stoppedBy: 'cancelled' });
    assert.equal(text(events), 'Working on it');
    assert.equal(outcome.status, 'cancelled');
  });

  it('…and a failure that keeps the partial answer when someone else did', () => {
    const { events, outcome } = parse([fixture('captured-gemini-sigterm.jsonl')], { exitCode: 0 });
    assert.equal(text(events), 'Working on it');
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /stopped without a result \(exit code 0\)/);
  });

  it('a timeout we enforced is reported as such', () => {
    const { outcome } = parse([fixture('captured-gemini-sigterm.jsonl')], { exitCode: null, signal: 'SIGKILL', stoppedBy: 'timed-out' });
    assert.equal(outcome.status, 'timed-out');
  });

  it('stderr-only fatal errors become readable messages without colour codes or start-up noise', () => {
    // Gemini CLI 0.61's real stderr in an untrusted folder (exit 55), red, after its usual warnings.
    const stderrTail =
      'Warning: 256-color support not detected. Using a terminal with at least 256-color support is recommended for a better visual experience.\n' +
      "[STARTUP] Phase 'cleanup_ops' was started but never ended. Skipping metrics.\n" +
      '\u001b[31mGemini CLI is not running in a trusted directory. To proceed, either use `--skip-trust`, set the `GEMINI_CLI_TRUST_WORKSPACE=true` environment variable, or trust this directory in interactive mode.\u001b[0m\n';
    const { events, outcome } = parse([], { exitCode: 55, stderrTail });
    assert.equal(events.length, 0);
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /^Gemini CLI refused to run because it does not trust this folder\./);
    assert.match(outcome.message!, /\(exit code 55\)\nGemini CLI is not running in a trusted directory\./);
    assert.doesNotMatch(outcome.message!, /\u001b|256-color|STARTUP/);
  });

  it('auth failures (exit 41) say how to authenticate', () => {
    const { outcome } = parse([], { exitCode: 41, stderrTail: 'When using Gemini API, you must specify the GEMINI_API_KEY environment variable.\n' });
    assert.match(outcome.message!, /could not authenticate\. Run `gemini` once in a terminal to sign in.*GEMINI_API_KEY/);
    assert.match(outcome.message!, /you must specify the GEMINI_API_KEY/);
  });

  it('a crash without a result reports how it ended and the end of stderr', () => {
    const lines = fixture('captured-gemini-tool.jsonl').split('\n');
    const cut = lines.slice(0, 3).join('\n') + '\n{"type":"tool_u';
    const { events, outcome } = parse([cut], { exitCode: null, signal: 'SIGKILL', stderrTail: 'FATAL ERROR: Reached heap limit\n    at foo (x.js:1:1)\n' });
    assert.equal(text(events), "I'll run the command.");
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.message, 'Gemini CLI ended without a result (killed by SIGKILL).\nFATAL ERROR: Reached heap limit');
  });

  it('gives identical events whichever byte the stream is split at, and with CRLF', () => {
    const whole = fixture('captured-gemini-tool.jsonl');
    const reference = parse([whole]);
    const bytes = Buffer.from(whole);
    for (let i = 0; i <= bytes.length; i += 3) {
      assert.deepEqual(parse([bytes.subarray(0, i), bytes.subarray(i)]), reference, `split at ${i}`);
    }
    assert.deepEqual(parse([whole.replace(/\n/g, '\r\n')]), reference);
  });

  it('ignores unknown event types and fields instead of failing', () => {
    const extra = [
      '{"type":"thought","content":"hmm"}',
      '{"type":"message","role":"assistant"}',
      '{"type":"message","role":"system","content":"not for the user"}',
      '{"type":"tool_use","future":true}',
      '{"type":"error","severity":"warning"}',
      '{"type":"result","status":"success","stats":"not an object"}',
      '{"no_type":true}',
    ].join('\n');
    const base = fixture('captured-gemini-tool.jsonl');
    const withExtra = base.replace('\n', `\n${extra}\n`);
    const { events, outcome } = parse([withExtra]);
    assert.equal(text(events), "I'll run the command.The command printed: hello");
    assert.equal(outcome.status, 'succeeded');
  });

  it('warnings are notices; error events are errors', () => {
    const lines = [
      '{"type":"error","severity":"warning","message":"Loop detected, stopping execution"}',
      '{"type":"error","severity":"error","message":"Maximum session turns exceeded"}',
      '{"type":"result","status":"success","stats":{"input_tokens":1,"output_tokens":1,"cached":0,"duration_ms":5}}',
    ].join('\n');
    const { events, outcome } = parse([lines]);
    assert.deepEqual(ofType(events, 'notice').map((n) => n.message), ['Loop detected, stopping execution']);
    assert.deepEqual(ofType(events, 'error').map((n) => n.message), ['Maximum session turns exceeded']);
    assert.equal(outcome.status, 'succeeded');
  });
});

describe('geminiAgent invocation', () => {
  const invoke = (options: AgentOptions) => geminiAgent.invocation('Explain this', options);
  const after = (args: string[], flag: string) => args.find((a) => a.startsWith(`${flag}=`))!.slice(flag.length + 1);

  it('headless stream-json, prompt on stdin only, read-only by default, no relaunch', () => {
    const inv = invoke({});
    assert.deepEqual(inv.args.slice(0, 4), ['--output-format', 'stream-json', '--skip-trust', '--approval-mode=plan']);
    assert.equal(geminiAgent.isReadOnly(inv.args), true);
    assert.equal(inv.stdin, 'Explain this');
    assert.ok(!inv.args.includes('Explain this') && !inv.args.includes('-p'));
    assert.equal(inv.env.GEMINI_CLI_NO_RELAUNCH, 'true');
    assert.equal(geminiAgent.permissionModes.find((m) => m.value === geminiAgent.defaultPermissionMode)?.readOnly, true);
  });

  it('every run denies the tools that would let the model leave its approval mode', () => {
    for (const permissionMode of ['plan', 'default', 'auto_edit']) {
      const file = after(invoke({ permissionMode }).args, '--admin-policy');
      const toml = readFileSync(file, 'utf8');
      assert.match(toml, /toolName = \["enter_plan_mode", "exit_plan_mode"\]\ndecision = "deny"\npriority = 999/, permissionMode);
    }
  });

  it('the guard policy comes back if a temp cleaner removed it', () => {
    const first = modeGuardPolicyFile();
    rmSync(first);
    const again = after(invoke({}).args, '--admin-policy');
    assert.notEqual(again, first);
    assert.ok(existsSync(again));
  });

  it('maps model, mode, allowed tools (one flag each) and environment', () => {
    const inv = invoke({ model: 'gemini-2.5-pro', permissionMode: 'auto_edit', allowedTools: ['run_shell_command(npm test)', 'write_file'], environment: { GEMINI_API_KEY: 'k' } });
    assert.equal(inv.args[3], '--approval-mode=auto_edit');
    assert.deepEqual(inv.args.slice(5), ['--model=gemini-2.5-pro', '--allowed-tools=run_shell_command(npm test)', '--allowed-tools=write_file']);
    assert.equal(geminiAgent.isReadOnly(inv.args), false);
    assert.throws(() => invoke({ model: '-y' }), /Refusing the Gemini CLI model "-y"/);
    assert.throws(() => invoke({ permissionMode: 'default', allowedTools: ['--yolo'] }), /allowed-tool rule/);
    assert.equal(inv.env.GEMINI_API_KEY, 'k');
  });

  it('allowed tools do not open anything in the read-only mode', () => {
    const args = invoke({ permissionMode: 'plan', allowedTools: ['run_shell_command(echo)'] }).args;
    assert.ok(!args.some((a) => a.startsWith('--allowed-tools')));
    assert.equal(geminiAgent.isReadOnly(args), true);
  });

  it('never offers yolo, and refuses it', () => {
    assert.deepEqual(geminiAgent.permissionModes.map((m) => m.value), ['plan', 'default', 'auto_edit']);
    assert.throws(() => invoke({ permissionMode: 'yolo' }), /Unsupported Gemini CLI permission mode "yolo"; use one of plan, default, auto_edit/);
  });

  it('knows the install locations the official guide uses', () => {
    assert.ok(geminiAgent.knownLocations('/Users/me', {}, 'darwin').includes('/opt/local/bin'));
    assert.ok(geminiAgent.knownLocations('/home/me', { CONDA_PREFIX: '/opt/conda/envs/g' }, 'linux').includes('/opt/conda/envs/g/bin'));
    assert.ok(geminiAgent.knownLocations('/home/me', {}, 'linux').includes('/home/me/miniconda3/envs/gemini_env/bin'));
    assert.ok(geminiAgent.knownLocations('C:\\Users\\me', {}, 'win32').includes('C:\\Users\\me\\miniconda3\\envs\\gemini_env'));
  });
});
