import type { EmitEvent, RunOutcome } from './events';
import type { ProcessEnd, StreamParser } from './cliAgent';
import { describeExit, stderrSuffix, stoppedMessage } from './exitDescription';

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * Claude Code `--output-format stream-json --verbose [--include-partial-messages]`.
 *
 * With partial messages, text arrives as `stream_event` deltas *and* again as one
 * whole `assistant` line per content block; blocks of a message we saw stream are
 * therefore not shown twice. Without partial messages the `assistant` lines are
 * the only source. Tool calls always come from the whole `assistant` line, where
 * their input is complete. Sub-agent traffic (`parent_tool_use_id` set) is not
 * shown as top-level text.
 */
/**
 * The line Claude Code writes for every token: fixed keys in a fixed order
 * around one JSON string, `parent_tool_use_id` null (top level). Only the
 * string varies, and the pattern admits exactly JSON's string syntax there, so
 * a line it matches means what JSON.parse would make of it; the string itself
 * is still decoded by JSON.parse when it holds escapes. Its two alternatives
 * start with different characters, so matching is linear.
 */
const DELTA_LINE =
  /^\{"type":"stream_event","event":\{"type":"content_block_delta","index":\d{1,9},"delta":\{"type":"(text_delta","text|thinking_delta","thinking)":"((?:[^"\\\u0000-\u001f]|\\.)*)"\}\},"session_id":"[0-9A-Za-z-]{0,64}","parent_tool_use_id":null,"uuid":"[0-9A-Za-z-]{0,64}"\}$/;

export class ClaudeStreamParser implements StreamParser {
  private readonly streamed = new Set<string>();
  private result: Json | undefined;
  /** The last line, when it was not complete JSON (cut off at exit?), and what its start said. */
  private cut: { chars: number; result?: Json } | undefined;
  /** The tokens of the latest top-level streamed message. */
  private streamUsage: { input?: number; output?: number } | undefined;
  private apiError: string | undefined;

  constructor(private readonly emit: EmitEvent) {}

  handleRaw(line: string): boolean {
    this.cut = undefined; // every line comes here first: a cut line is only one with nothing after it
    // Cheap refusals first: most other lines differ within the first 60 characters.
    if (!line.startsWith('{"type":"stream_event","event":{"type":"content_block_delta"')) return false;
    const m = DELTA_LINE.exec(line);
    if (!m) return false;
    let text = m[2];
    if (text.includes('\\')) {
      try {
        text = JSON.parse(`"${text}"`) as string;
      } catch {
        return false; // a bad escape: the long way reports it
      }
    }
    if (text) this.emit({ type: m[1].startsWith('text') ? 'text' : 'thinking', text });
    return true;
  }

  handle(line: Json): void {
    switch (line.type) {
      case 'system':
        return this.system(line);
      case 'stream_event':
        return this.streamEvent(line);
      case 'assistant':
        return this.assistant(line);
      case 'user':
        return this.user(line);
      case 'result':
        return this.onResult(line);
      default:
        return; // rate_limit_event, keep_alive, tool_progress, and whatever comes next
    }
  }

  private system(line: Json): void {
    if (line.subtype === 'init') {
      this.emit({
        type: 'started',
        agentId: 'claude',
        model: str(line.model),
        sessionId: str(line.session_id),
        cwd: str(line.cwd),
        agentVersion: str(line.claude_code_version),
      });
    } else if (line.subtype === 'api_retry') {
      const status = line.error_status ?? line.error ?? 'error';
      this.emit({
        type: 'notice',
        message: `Model API request failed (${String(status)}); retry ${num(line.attempt) ?? '?'} of ${num(line.max_retries) ?? '?'}.`,
      });
    }
  }

  private streamEvent(line: Json): void {
    if (line.parent_tool_use_id) return;
    const event = obj(line.event);
    if (!event) return;
    if (event.type === 'message_start') {
      const id = str(obj(event.message)?.id);
      if (id) this.streamed.add(id);
      const usage = obj(obj(event.message)?.usage);
      this.streamUsage = { input: sum(usage?.input_tokens, usage?.cache_creation_input_tokens, usage?.cache_read_input_tokens), output: num(usage?.output_tokens) };
    } else if (event.type === 'message_delta') {
      const output = num(obj(event.usage)?.output_tokens);
      if (output !== undefined && this.streamUsage) this.streamUsage.output = output;
    } else if (event.type === 'content_block_delta') {
      const delta = obj(event.delta);
      if (delta?.type === 'text_delta' && str(delta.text)) this.emit({ type: 'text', text: delta.text as string });
      else if (delta?.type === 'thinking_delta' && str(delta.thinking))
        this.emit({ type: 'thinking', text: delta.thinking as string });
    } else if (event.type === 'content_block_start') {
      const block = obj(event.content_block);
      if (block?.type === 'text' && str(block.text)) this.emit({ type: 'text', text: block.text as string });
    }
  }

  private assistant(line: Json): void {
    const message = obj(line.message);
    if (!message) return;
    if (line.error) {
      // A synthetic message carrying the API's error, not an answer: it becomes the outcome's message.
      this.apiError = firstText(message.content) ?? String(line.error);
      return;
    }
    const alreadyStreamed = this.streamed.has(str(message.id) ?? '');
    const topLevel = !line.parent_tool_use_id;
    for (const item of arr(message.content)) {
      const block = obj(item);
      if (!block) continue;
      if (block.type === 'tool_use') {
        this.emit({ type: 'tool-use', id: str(block.id) ?? '', name: str(block.name) ?? 'tool', input: block.input });
      } else if (topLevel && !alreadyStreamed && block.type === 'text' && str(block.text)) {
        this.emit({ type: 'text', text: block.text as string });
      } else if (topLevel && !alreadyStreamed && block.type === 'thinking' && str(block.thinking)) {
        this.emit({ type: 'thinking', text: block.thinking as string });
      }
    }
  }

  private user(line: Json): void {
    for (const item of arr(obj(line.message)?.content)) {
      const block = obj(item);
      if (block?.type === 'tool_result') {
        this.emit({
          type: 'tool-result',
          toolUseId: str(block.tool_use_id) ?? '',
          output: toolResultText(block.content),
          isError: block.is_error === true,
        });
      } else if (block?.type === 'text' && str(block.text)?.startsWith('[Request interrupted')) {
        this.emit({ type: 'notice', message: block.text as string });
      }
    }
  }

  /**
   * Claude Code's last lines repeat the whole answer (the `assistant` message,
   * then `result`), and for an answer of megabytes it can exit before they are
   * flushed, cutting one off. The answer has streamed already; a cut `result`
   * still says at its start whether the run succeeded, and otherwise its exit
   * code does (0 only for a success).
   * Tokens come from the streamed message; the cost, which only `result` has,
   * is not known.
   */
  handleCut(line: string): boolean {
    if (this.result || !line.startsWith('{"type":"')) return false;
    // Kept until the end: only a last line was cut off at exit (any line after it clears this).
    this.cut = { chars: line.length };
    if (!line.startsWith('{"type":"result",')) return true;
    const head = line.slice(0, 2000);
    const subtype = /"subtype":"(\w+)"/.exec(head)?.[1];
    const isError = /"is_error":(true|false)/.exec(head)?.[1];
    if (!subtype || !isError) return true;
    const field = (name: string) => {
      const m = new RegExp(`"${name}":(\\d+)`).exec(head);
      return m ? Number(m[1]) : undefined;
    };
    this.cut.result = { type: 'result', subtype, is_error: isError === 'true', duration_ms: field('duration_ms'), num_turns: field('num_turns'), cut: true };
    return true;
  }

  private emitStreamUsage(durationMs?: number, turns?: number): void {
    const u = this.streamUsage;
    this.emit({ type: 'usage', inputTokens: u?.input, outputTokens: u?.output, durationMs, turns });
  }

  private onResult(line: Json): void {
    this.result = line;
    const usage = obj(line.usage);
    this.emit({
      type: 'usage',
      inputTokens: sum(usage?.input_tokens, usage?.cache_creation_input_tokens, usage?.cache_read_input_tokens),
      outputTokens: num(usage?.output_tokens),
      cacheReadTokens: num(usage?.cache_read_input_tokens),
      costUsd: num(line.total_cost_usd),
      durationMs: num(line.duration_ms),
      turns: num(line.num_turns),
    });
  }

  finish(end: ProcessEnd): RunOutcome {
    const base = { exitCode: end.exitCode, signal: end.signal, durationMs: end.durationMs };
    const cut = this.cut;
    if (cut) {
      this.emit({ type: 'notice', message: `Claude Code's output was cut off as it exited (a line of ${Math.round(cut.chars / 1024)} KB), so the run's cost is not known; the answer above is complete as streamed.` });
      if (cut.result) {
        this.result = cut.result;
        this.emitStreamUsage(num(cut.result.duration_ms), num(cut.result.num_turns));
      }
    }
    // A cut-off result line counts only if Claude Code then exited cleanly.
    const r = this.result?.cut && end.exitCode !== 0 ? undefined : this.result;
    if (r) {
      const ok = r.subtype === 'success' && r.is_error !== true;
      if (ok) return { ...base, status: 'succeeded', result: str(r.result) };
      if (end.stoppedBy) return { ...base, status: end.stoppedBy, message: stoppedMessage(end.stoppedBy) };
      const httpStatus = num(r.api_error_status);
      return { ...base, status: 'failed', message: resultError(r, this.apiError, end.stderrTail), ...(httpStatus ? { httpStatus } : {}) };
    }
    if (end.stoppedBy) return { ...base, status: end.stoppedBy, message: stoppedMessage(end.stoppedBy) };
    // A line repeating the answer (`assistant`, or `result` too early to say) was cut off, and the CLI exited cleanly.
    if (cut && end.exitCode === 0) {
      this.emitStreamUsage();
      return { ...base, status: 'succeeded' };
    }
    // No terminal event: the stream was cut off. Whatever streamed so far stays shown.
    return {
      ...base,
      status: 'failed',
      message: `Claude Code ended without a result (${describeExit(end.exitCode, end.signal)}).${stderrSuffix(end.stderrTail)}`,
    };
  }
}

function resultError(r: Json, apiError: string | undefined, stderrTail: string): string {
  const status = num(r.api_error_status);
  const text = str(r.result) ?? apiError;
  if (text) return status && !text.includes(String(status)) ? `${text} (HTTP ${status})` : text;
  const errors = arr(r.errors).filter((e): e is string => typeof e === 'string');
  const subtype = str(r.subtype) ?? 'error';
  const what = SUBTYPE_TEXT[subtype] ?? `Claude Code reported ${subtype}`;
  return `${what}.${errors.length ? ` ${errors.join('; ')}` : ''}${stderrSuffix(stderrTail)}`;
}

const SUBTYPE_TEXT: Record<string, string> = {
  error_max_turns: 'Claude Code reached its turn limit',
  error_max_budget_usd: 'Claude Code reached its budget limit',
  error_during_execution: 'Claude Code stopped during execution',
  error_max_structured_output_retries: 'Claude Code could not produce the requested structured output',
};



function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  return arr(content)
    .map((c) => str(obj(c)?.text) ?? '')
    .filter(Boolean)
    .join('\n');
}

function firstText(content: unknown): string | undefined {
  for (const c of arr(content)) {
    const t = str(obj(c)?.text);
    if (t) return t;
  }
  return undefined;
}

function sum(...values: unknown[]): number | undefined {
  const nums = values.map(num).filter((n): n is number => n !== undefined);
  return nums.length ? nums.reduce((a, b) => a + b, 0) : undefined;
}
