import type { EmitEvent, RunOutcome } from './events';
import type { ProcessEnd, StreamParser } from './cliAgent';
import { describeExit, stderrSuffix as sharedStderrSuffix, stoppedMessage } from './exitDescription';

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;

/**
 * Gemini CLI `--output-format stream-json` (0.61): `init`, `message` (the
 * prompt echoed as `user`, then `assistant` text as `delta` chunks), `tool_use`,
 * `tool_result`, `error` (non-fatal, `severity` warning|error) and a terminal
 * `result` with `status` and `stats`.
 *
 * Gemini CLI has no final-answer field: the answer is the assistant text after
 * the last tool call. Fatal errors before the session starts (auth, untrusted
 * folder, bad arguments) print no JSON at all, only stderr and an exit code;
 * SIGINT/SIGTERM end it with exit code 0 and no `result`.
 */
export class GeminiStreamParser implements StreamParser {
  private result: Json | undefined;
  private lastError: string | undefined;
  private answer = '';

  constructor(private readonly emit: EmitEvent) {}

  handle(line: Json): void {
    switch (line.type) {
      case 'init':
        return this.emit({ type: 'started', agentId: 'gemini', model: str(line.model), sessionId: str(line.session_id) });
      case 'message':
        return this.message(line);
      case 'tool_use':
        this.answer = '';
        return this.emit({ type: 'tool-use', id: str(line.tool_id) ?? '', name: str(line.tool_name) ?? 'tool', input: line.parameters ?? {} });
      case 'tool_result':
        this.answer = '';
        return this.emit({
          type: 'tool-result',
          toolUseId: str(line.tool_id) ?? '',
          output: str(line.output) ?? str(obj(line.error)?.message) ?? '',
          isError: line.status === 'error',
        });
      case 'error':
        return this.error(line);
      case 'result':
        return this.onResult(line);
      default:
        return; // whatever later versions add
    }
  }

  private message(line: Json): void {
    const text = str(line.content);
    // The user's prompt is echoed back first; it is not part of the answer.
    if (line.role !== 'assistant' || !text) return;
    this.answer += text;
    this.emit({ type: 'text', text });
  }

  private error(line: Json): void {
    const message = str(line.message);
    if (!message) return;
    if (line.severity === 'error') {
      this.lastError = message;
      this.emit({ type: 'error', message });
    } else {
      this.emit({ type: 'notice', message });
    }
  }

  private onResult(line: Json): void {
    this.result = line;
    const stats = obj(line.stats);
    // Fatal errors report all-zero stats: nothing worth showing.
    if (!stats || (line.status !== 'success' && !num(stats.total_tokens))) return;
    const duration = num(stats.duration_ms);
    this.emit({
      type: 'usage',
      inputTokens: num(stats.input_tokens),
      outputTokens: num(stats.output_tokens),
      cacheReadTokens: num(stats.cached),
      // 0 on fatal errors, where Gemini CLI does not measure it.
      durationMs: duration ? duration : undefined,
    });
  }

  finish(end: ProcessEnd): RunOutcome {
    const base = { exitCode: end.exitCode, signal: end.signal, durationMs: end.durationMs };
    const r = this.result;
    if (r?.status === 'success') return { ...base, status: 'succeeded', result: this.answer || undefined };
    if (end.stoppedBy) return { ...base, status: end.stoppedBy, message: stoppedMessage(end.stoppedBy) };
    if (r) return { ...base, status: 'failed', message: resultError(obj(r.error), this.lastError, end.exitCode) };
    return { ...base, status: 'failed', message: noResultError(end) };
  }
}

/** What the CLI's fatal exit codes mean and what the user can do (packages/core/src/utils/errors.ts). */
const EXIT_ADVICE: Record<number, string> = {
  41: 'Gemini CLI could not authenticate. Run `gemini` once in a terminal to sign in with Google, or set GEMINI_API_KEY (or the Vertex AI variables) in the environment VS Code starts from.',
  42: 'Gemini CLI rejected the input (an empty prompt or an invalid argument).',
  44: 'Gemini CLI could not start its sandbox. Check its sandbox settings (`tools.sandbox`, GEMINI_SANDBOX) and that Docker or Podman is available.',
  52: 'Gemini CLI found an invalid configuration. Check ~/.gemini/settings.json and the workspace\'s .gemini/settings.json.',
  53: 'Gemini CLI reached its session turn limit. Raise `model.maxSessionTurns` in ~/.gemini/settings.json or ask for less in one run.',
  54: 'A Gemini CLI tool failed fatally.',
  55: 'Gemini CLI refused to run because it does not trust this folder. Agent Relay passes --skip-trust for workspaces you trust in VS Code; if this persists, an administrator setting may forbid it, or trust the folder by running `gemini` in it once.',
};

function resultError(error: Json | undefined, lastError: string | undefined, exitCode: number | null): string {
  const raw = str(error?.message) ?? lastError;
  const api = raw ? parseApiError(raw) : undefined;
  // API errors exit with the HTTP status modulo 256 (400 → 144, 401 → 145, 500 → 244).
  const status = api?.code ?? (exitCode !== null && exitCode >= 144 && exitCode <= 255 ? exitCode + 256 : undefined);
  if (status && raw) {
    const what = `Gemini API error (HTTP ${status}${api?.status ? ` ${api.status}` : ''})`;
    const advice = httpAdvice(status);
    return `${what}: ${sentence(api?.message ?? raw)}${advice ? ` ${advice}` : ''}`;
  }
  // undici's word for a response body that stopped arriving.
  if (api?.message === 'terminated') return 'Gemini API error: the connection to the model API was cut off mid-answer.';
  if (api?.message) return `Gemini API error: ${api.message}`;
  const advice = exitCode !== null ? EXIT_ADVICE[exitCode] : undefined;
  if (advice && raw) return `${advice}\n${raw}`;
  return raw ?? advice ?? `Gemini CLI reported an error (${describeExit(exitCode, null)}).`;
}

function httpAdvice(status: number): string {
  if (status === 400) return 'The request was rejected: if the message mentions the API key, fix GEMINI_API_KEY; otherwise check the model name (agentRelay.gemini.model).';
  if (status === 401 || status === 403) return 'The credentials were refused: check GEMINI_API_KEY, or sign in again by running `gemini` in a terminal.';
  if (status === 404) return 'The model was not found: check agentRelay.gemini.model.';
  if (status === 429) return 'Quota or rate limit reached: wait and try again, or use another model or key.';
  if (status >= 500) return 'The Gemini API had a server error: try again later.';
  return '';
}

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** `[API Error: {"error":{"code":401,"message":…,"status":…}}]` and similar, taken apart. */
function parseApiError(message: string): { code?: number; status?: string; message?: string } | undefined {
  const start = message.indexOf('{');
  const end = message.lastIndexOf('}');
  if (start >= 0 && end > start) {
    try {
      const e = obj(obj(JSON.parse(message.slice(start, end + 1)))?.error);
      if (e) return { code: num(e.code), status: str(e.status), message: str(e.message) };
    } catch {
      // not JSON after all
    }
  }
  const bare = /^\[API Error: ([\s\S]*?)\]/.exec(message);
  return bare ? { message: bare[1] + message.slice(bare[0].length) } : undefined;
}

function noResultError(end: ProcessEnd): string {
  const stderr = stderrSuffix(end.stderrTail);
  const advice = end.exitCode !== null ? EXIT_ADVICE[end.exitCode] : undefined;
  if (advice) return `${advice} (exit code ${end.exitCode})${stderr}`;
  if (end.exitCode === 0 && !end.signal) {
    // What SIGINT/SIGTERM do to Gemini CLI: someone else stopped it.
    return `Gemini CLI stopped without a result (exit code 0), as it does when something outside Agent Relay interrupts it.${stderr}`;
  }
  return `Gemini CLI ended without a result (${describeExit(end.exitCode, end.signal)}).${stderr}`;
}


/** Start-up chatter Gemini CLI prints on every run, and stack frames: not what a user needs to read. */
const NOISE = [/^Warning: 256-color support not detected/, /^\[STARTUP\]/, /^\s+at /, /^Warning: --allowed-tools/];

/** The end of stderr without Gemini CLI's start-up chatter. */
const stderrSuffix = (tail: string) => sharedStderrSuffix(tail, NOISE);
