import type { EmitEvent, RunOutcome } from './events';
import type { ProcessEnd, StreamParser } from './cliAgent';
import { describeExit, stderrSuffix, stoppedMessage, stripAnsi } from './exitDescription';

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;

interface StepEnd {
  reason?: string;
  messageId?: string;
}

/**
 * OpenCode `opencode run --format json` (1.18.x).
 *
 * OpenCode prints whole parts, never deltas: a text part once it is complete, a
 * tool part once the tool has finished (completed or error). There is no final
 * event: the process exits when the session goes idle, and the last
 * `step_finish` tells whether the model finished its answer (`stop`) or the run
 * stopped between steps (`tool-calls`, e.g. after a refused permission). Any
 * `error` event fails the run (OpenCode then exits 1). Fatal errors before the
 * session starts are stderr-only.
 */
export class OpenCodeStreamParser implements StreamParser {
  private sessionId: string | undefined;
  /** Part ids already shown: a part may be reported more than once. */
  private readonly shown = new Set<string>();
  /** Text parts per assistant message (one message per step), for the final answer. */
  private readonly texts = new Map<string, string[]>();
  private lastStep: StepEnd | undefined;
  private lastToolError: { name: string; error: string } | undefined;
  private readonly errors: string[] = [];
  private readonly usage = { steps: 0, input: 0, output: 0, cacheRead: 0, cost: 0, hasCost: false };

  constructor(private readonly emit: EmitEvent) {}

  handle(line: Json): void {
    const sessionId = str(line.sessionID);
    if (sessionId && !this.sessionId) {
      this.sessionId = sessionId;
      this.emit({ type: 'started', agentId: 'opencode', sessionId });
    }
    const part = obj(line.part);
    switch (line.type) {
      case 'text':
        return this.text(part);
      case 'reasoning':
        return this.reasoning(part);
      case 'tool_use':
        return this.tool(part);
      case 'step_finish':
        return this.stepFinish(part);
      case 'error':
        this.errors.push(errorText(obj(line.error)));
        return;
      default:
        return; // step_start, and whatever later versions add
    }
  }

  private firstTime(part: Json): boolean {
    const id = str(part.id);
    if (!id) return true;
    if (this.shown.has(id)) return false;
    this.shown.add(id);
    return true;
  }

  private text(part: Json | undefined): void {
    const text = str(part?.text);
    if (!part || !text || !this.firstTime(part)) return;
    this.emit({ type: 'text', text });
    const messageId = str(part.messageID) ?? '';
    const list = this.texts.get(messageId);
    if (list) list.push(text);
    else this.texts.set(messageId, [text]);
  }

  private reasoning(part: Json | undefined): void {
    const text = str(part?.text);
    if (part && text && this.firstTime(part)) this.emit({ type: 'thinking', text });
  }

  private tool(part: Json | undefined): void {
    const state = obj(part?.state);
    if (!part || !state || !this.firstTime(part)) return;
    const id = str(part.callID) ?? str(part.id) ?? '';
    const name = str(part.tool) ?? 'tool';
    this.emit({ type: 'tool-use', id, name, input: state.input });
    if (state.status === 'completed') {
      const exit = num(obj(state.metadata)?.exit);
      const output = (str(state.output) ?? '').replace(/(\r?\n)+$/, '');
      this.emit({ type: 'tool-result', toolUseId: id, output, isError: exit !== undefined && exit !== 0 });
      this.lastToolError = undefined;
    } else if (state.status === 'error') {
      const error = str(state.error) ?? 'The tool failed.';
      this.emit({ type: 'tool-result', toolUseId: id, output: error, isError: true });
      this.lastToolError = { name, error };
    }
  }

  private stepFinish(part: Json | undefined): void {
    if (!part) return;
    this.lastStep = { reason: str(part.reason), messageId: str(part.messageID) };
    // OpenCode counts cached and reasoning tokens apart; like the other agents, input and output include them.
    const tokens = obj(part.tokens);
    const cache = obj(tokens?.cache);
    const u = this.usage;
    u.steps++;
    u.input += (num(tokens?.input) ?? 0) + (num(cache?.read) ?? 0) + (num(cache?.write) ?? 0);
    u.output += (num(tokens?.output) ?? 0) + (num(tokens?.reasoning) ?? 0);
    u.cacheRead += num(cache?.read) ?? 0;
    const cost = num(part.cost);
    if (cost !== undefined) {
      u.cost += cost;
      u.hasCost = true;
    }
  }

  finish(end: ProcessEnd): RunOutcome {
    const base = { exitCode: end.exitCode, signal: end.signal, durationMs: end.durationMs };
    const stderr = splitStderr(end.stderrTail);
    for (const warning of stderr.warnings) this.emit({ type: 'notice', message: warning });
    if (this.usage.steps > 0) {
      const u = this.usage;
      this.emit({
        type: 'usage',
        inputTokens: u.input,
        outputTokens: u.output,
        cacheReadTokens: u.cacheRead,
        costUsd: u.hasCost ? u.cost : undefined,
        durationMs: end.durationMs,
        turns: u.steps,
      });
    }

    const step = this.lastStep;
    const clean = end.exitCode === 0 && !end.signal && this.errors.length === 0;
    const incomplete = INCOMPLETE.get(step?.reason ?? '');
    // An answer that was complete before a cancel or timeout landed still counts.
    if (clean && step && !incomplete) {
      return { ...base, status: 'succeeded', result: this.texts.get(step.messageId ?? '')?.join('') };
    }
    if (end.stoppedBy) return { ...base, status: end.stoppedBy, message: stoppedMessage(end.stoppedBy) };
    if (this.errors.length) return { ...base, status: 'failed', message: [...new Set(this.errors)].join('\n') };
    if (!this.sessionId && stderr.other) {
      // Nothing on stdout: OpenCode refused to start (unknown session, empty prompt, broken config…).
      const [headline, ...rest] = stderr.other.split('\n');
      const what = headline.replace(/^Error:\s*/, '');
      return { ...base, status: 'failed', message: `OpenCode could not run (${describeExit(end.exitCode, end.signal)}): ${what}${stderrSuffix(rest.join('\n'))}` };
    }
    if (clean && incomplete) {
      const tool = step?.reason === 'tool-calls' && this.lastToolError ? ` ${this.lastToolError.name}: ${this.lastToolError.error}` : '';
      const hint = stderr.warnings.some((w) => /auto-rejecting/.test(w))
        ? ' Headless runs cannot ask for permission: allow the tool in OpenCode\'s "permission" config, or pick another permission mode.'
        : '';
      return { ...base, status: 'failed', message: `${incomplete}${tool}${hint}${stderrSuffix(stderr.other)}` };
    }
    // Killed, crashed, or exited without a finished step: whatever streamed so far stays shown.
    return {
      ...base,
      status: 'failed',
      message: `OpenCode ended without finishing its answer (${describeExit(end.exitCode, end.signal)}).${stderrSuffix(stderr.other)}`,
    };
  }
}

/**
 * Last-step reasons that mean the answer is not complete. `tool-calls` last
 * means OpenCode stopped between steps, e.g. after refusing a permission
 * (it still exits 0). Every other reason (`stop`, …) ends the answer.
 */
const INCOMPLETE: ReadonlyMap<string, string> = new Map([
  ['tool-calls', 'OpenCode stopped before finishing its answer.'],
  ['length', "The answer was cut off at the model's output limit."],
  ['content-filter', "The model's content filter stopped the answer."],
]);

/** `APIError`, `UnknownError`, `ProviderAuthError`, …: the message in `data`, with the HTTP status if it is not already in it. */
function errorText(error: Json | undefined): string {
  if (!error) return 'OpenCode reported an error.';
  const data = obj(error.data);
  const message = str(data?.message) ?? str(error.message) ?? str(error.name) ?? JSON.stringify(error);
  const status = num(data?.statusCode);
  return status && !message.includes(String(status)) ? `${message} (HTTP ${status})` : message;
}



/**
 * OpenCode's stderr without colour codes: its `! …` warnings (auto-rejected
 * permissions, an unknown agent it replaced) apart from everything else.
 */
function splitStderr(stderrTail: string): { warnings: string[]; other: string } {
  const warnings: string[] = [];
  const other: string[] = [];
  for (const raw of stripAnsi(stderrTail).split(/\r?\n/)) {
    const line = raw.trimEnd();
    const warning = /^!\s+(.*)$/.exec(line);
    if (warning) warnings.push(warning[1]);
    else if (line.trim()) other.push(line);
  }
  return { warnings, other: other.join('\n') };
}
