import * as assert from 'node:assert/strict';
import type { ProcessEnd } from '../../src/core/agents/cliAgent';
import { ClaudeStreamParser } from '../../src/core/agents/claudeStream';
import { fixture } from '../support/fixtures';
import { ofType, parseWith, textOf } from '../support/transcripts';

const parse = (chunks: Array<string | Buffer>, end: Partial<ProcessEnd> = {}) => parseWith((emit) => new ClaudeStreamParser(emit), chunks, end);

const text = textOf;

describe('ClaudeStreamParser on real Claude Code 2.1.197 transcripts', () => {
  it('partial messages: shows streamed text once, not again from the whole-block line', () => {
    const { events, outcome } = parse([fixture('claude-stream-json-partial-messages.jsonl')]);
    assert.equal(text(events), 'Hello!');
    assert.equal(ofType(events, 'text').length, 1);
    const [started] = ofType(events, 'started');
    assert.deepEqual(
      { model: started.model, version: started.agentVersion, cwd: started.cwd },
      { model: 'claude-sonnet-5', version: '2.1.197', cwd: '/home/dev/proj' },
    );
    assert.equal(outcome.status, 'succeeded');
    assert.equal(outcome.result, 'Hello!');
    const [usage] = ofType(events, 'usage');
    assert.equal(usage.outputTokens, 15);
    assert.equal(usage.costUsd, 0.00030000000000000003);
  });

  it('without partial messages: text comes from whole blocks; tool call and result pair up', () => {
    const { events, outcome } = parse([fixture('claude-stream-json.jsonl')]);
    assert.equal(text(events), "I'll run the command.The command printed: hello");
    const [use] = ofType(events, 'tool-use');
    assert.equal(use.name, 'Bash');
    assert.deepEqual(use.input, { command: 'echo hello', description: 'Print hello' });
    const [result] = ofType(events, 'tool-result');
    assert.equal(result.toolUseId, use.id);
    assert.equal(result.output, 'hello');
    assert.equal(result.isError, false);
    assert.equal(outcome.status, 'succeeded');
  });

  it('partial messages with a tool call: deltas once, tool from the whole block', () => {
    const { events, outcome } = parse([fixture('captured-claude-partial-tool.jsonl')]);
    assert.equal(text(events), "I'll run the command.The command printed: hello");
    assert.equal(ofType(events, 'tool-use').length, 1);
    assert.equal(ofType(events, 'tool-result')[0].output, 'hello');
    assert.equal(outcome.status, 'succeeded');
    assert.equal(outcome.result, 'The command printed: hello');
  });

  it('an API error is a failure with the API message, even though subtype is "success"', () => {
    const { events, outcome } = parse([fixture('captured-claude-partial-api-error.jsonl')], { exitCode: 1 });
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /Failed to authenticate/);
    assert.match(outcome.message!, /401/);
    assert.doesNotMatch(outcome.message!, /\(HTTP 401\).*\(HTTP 401\)/, 'the status is not repeated');
    assert.equal(outcome.httpStatus, 401);
    // The synthetic message carrying the error is not an answer: shown once, as the failure.
    assert.deepEqual(ofType(events, 'text'), []);
    assert.ok(ofType(events, 'notice').some((n) => /retry 1 of 1/.test(n.message)));
  });

  it('the result decides before the exit code: an error result with exit 0 is a failure', () => {
    const { outcome } = parse([fixture('captured-claude-partial-sigint.jsonl')], { exitCode: 0 });
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /^Claude Code stopped during execution/);
  });

  it('an interrupt we asked for is a cancellation, not a failure', () => {
    const { events, outcome } = parse([fixture('captured-claude-partial-sigint.jsonl')], { stoppedBy: 'cancelled' });
    assert.equal(outcome.status, 'cancelled');
    assert.equal(text(events), 'Working on it');
    assert.ok(ofType(events, 'notice').some((n) => n.message.includes('[Request interrupted by user]')));
  });

  it('gives identical events whichever byte the stream is split at', () => {
    for (const name of ['claude-stream-json-partial-messages.jsonl', 'captured-claude-partial-tool.jsonl']) {
      const whole = fixture(name);
      const reference = parse([whole]);
      const bytes = Buffer.from(whole);
      for (let i = 0; i <= bytes.length; i += name.startsWith('captured') ? 7 : 1) {
        assert.deepEqual(parse([bytes.subarray(0, i), bytes.subarray(i)]), reference, `${name} split at ${i}`);
      }
      const crlf = parse([whole.replace(/\n/g, '\r\n')]);
      assert.deepEqual(crlf, reference, `${name} with CRLF`);
    }
  });

  it('a stream cut before its result is a failed run that keeps the partial answer', () => {
    const lines = fixture('claude-stream-json-partial-messages.jsonl').split('\n');
    const cut = lines.slice(0, lines.findIndex((l) => l.includes('text_delta')) + 1).join('\n') + '\n{"type":"stream_ev';
    const { events, outcome } = parse([cut], { exitCode: null, signal: 'SIGKILL', stderrTail: 'Segmentation fault\n' });
    assert.equal(text(events), 'Hello!');
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message!, /ended without a result \(killed by SIGKILL\)/);
    assert.match(outcome.message!, /Segmentation fault/);
  });

  it('ignores unknown event types and fields instead of failing', () => {
    const extra = [
      '{"type":"rate_limit_event","rate_limit_info":{"status":"allowed"}}',
      '{"type":"system","subtype":"hook_started","hook":"x"}',
      '{"type":"stream_event","event":{"type":"brand_new_event","x":1}}',
      '{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"citations_delta"}}}',
      '{"type":"assistant","message":{"id":"m9","content":[{"type":"server_tool_use","id":"s1"}]},"future_field":true}',
      '{"type":"user","message":"not even an object"}',
      '{"no_type":true}',
    ].join('\n');
    const base = fixture('claude-stream-json-partial-messages.jsonl');
    const lines = base.split('\n');
    const withExtra = [lines[0], extra, ...lines.slice(1)].join('\n');
    const { events, outcome } = parse([withExtra]);
    assert.equal(text(events), 'Hello!');
    assert.equal(outcome.status, 'succeeded');
  });

  it('does not show sub-agent text as top-level text', () => {
    const sub = [
      '{"type":"stream_event","event":{"type":"message_start","message":{"id":"sub1"}},"parent_tool_use_id":"toolu_1"}',
      '{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"inner"}},"parent_tool_use_id":"toolu_1"}',
      '{"type":"assistant","message":{"id":"sub1","content":[{"type":"text","text":"inner"}]},"parent_tool_use_id":"toolu_1"}',
      '{"type":"result","subtype":"success","is_error":false,"result":"outer"}',
    ].join('\n');
    const { events, outcome } = parse([sub]);
    assert.equal(text(events), '');
    assert.equal(outcome.result, 'outer');
  });
});

describe('ClaudeStreamParser when the final result line is cut off', () => {
  // Claude Code 2.1.197 exits before a result line of megabytes is flushed (seen with a 4 MiB answer).
  const cut = () => {
    const lines = fixture('claude-stream-json-partial-messages.jsonl').toString().trimEnd().split('\n');
    const result = lines.pop()!;
    assert.match(result, /^\{"type":"result"/);
    return { lines, result };
  };

  it('succeeds on a clean exit, with a notice that tokens and cost are unknown', () => {
    const { lines, result } = cut();
    const { events, outcome } = parse([`${lines.join('\n')}\n${result.slice(0, 260)}`]);
    assert.equal(outcome.status, 'succeeded');
    assert.equal(text(events), 'Hello!');
    assert.match(ofType(events, 'notice')[0].message, /cut off .* cost is not known/);
    const [usage] = ofType(events, 'usage');
    assert.equal(usage.costUsd, undefined);
    assert.equal(usage.outputTokens, 15, 'the tokens of the streamed message');
    assert.equal(usage.turns, 1);
  });

  it('fails as before when the CLI did not exit cleanly; a start that says nothing leaves it to the exit code', () => {
    const { lines, result } = cut();
    assert.equal(parse([`${lines.join('\n')}\n${result.slice(0, 260)}`], { exitCode: 1 }).outcome.status, 'failed');
    assert.equal(parse([`${lines.join('\n')}\n${result.slice(0, 20)}`]).outcome.status, 'succeeded');
    assert.equal(parse([`${lines.join('\n')}\n${result.slice(0, 20)}`], { exitCode: 1 }).outcome.status, 'failed');
    // Not a cut line at all: no result is still a failure.
    const none = parse([lines.join('\n')]);
    assert.equal(none.outcome.status, 'failed');
    assert.match(none.outcome.message ?? '', /ended without a result/);
  });

  it('a cut-off assistant line (no result at all) succeeds when the CLI exited cleanly', () => {
    const { lines } = cut();
    const at = lines.findIndex((l) => l.startsWith('{"type":"assistant"'));
    assert.ok(at > 0);
    const upToCut = [...lines.slice(0, at), lines[at].slice(0, 100)].join('\n');
    const ok = parse([upToCut]);
    assert.equal(ok.outcome.status, 'succeeded');
    assert.equal(text(ok.events), 'Hello!');
    assert.equal(ofType(ok.events, 'usage')[0].outputTokens, 1, 'what message_start said (message_delta never came)');
    assert.match(ofType(ok.events, 'notice')[0].message, /cut off/);
    assert.equal(parse([upToCut], { exitCode: 1 }).outcome.status, 'failed');
  });

  it('a broken line in the middle of the stream is not a cut-off end', () => {
    const { lines, result } = cut();
    const broken = parse([[lines[0].slice(0, 50), ...lines.slice(1), result].join('\n')]);
    assert.equal(broken.outcome.status, 'succeeded');
    assert.equal(ofType(broken.events, 'notice').length, 0);
    assert.equal(ofType(broken.events, 'usage')[0].costUsd, 0.00030000000000000003, 'the real result decided');
  });

  it('an error result cut off stays a failure', () => {
    const { lines, result } = cut();
    const errored = result.replace('"is_error":false', '"is_error":true');
    assert.equal(parse([`${lines.join('\n')}\n${errored.slice(0, 260)}`]).outcome.status, 'failed');
  });
});
