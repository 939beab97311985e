import type { AgentEvent, EmitEvent, RunOutcome } from './events';
import type { ProcessEnd, StreamParser } from './cliAgent';
import { describeExit, stderrSuffix, stoppedMessage } from './exitDescription';

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

type Terminal = { kind: 'completed' } | { kind: 'failed'; message: string };

/**
 * OpenAI Codex `codex exec --json`.
 *
 * Codex sends whole items, never token deltas: text appears when an
 * `agent_message` item completes. Commands and MCP calls are shown as tool uses
 * when they start and get their result when they complete (same `item_N` id).
 * Top-level `error` lines ("Reconnecting... 1/5") and `error` items are notices;
 * `turn.failed` is the failure and `turn.completed` the success. A turn that
 * was interrupted or cut off has neither.
 */
export class CodexStreamParser implements StreamParser {
  private terminal: Terminal | undefined;
  /** The last top-level `error`: the reason when the stream ends without a terminal event. */
  private lastError: string | undefined;
  private finalMessage: string | undefined;
  private sawJson = false;
  private lastEmitted: AgentEvent['type'] | undefined;
  private readonly toolsShown = new Set<string>();
  private lastPlan: string | undefined;

  constructor(private readonly emitEvent: EmitEvent) {}

  private emit(event: AgentEvent): void {
    this.lastEmitted = event.type;
    this.emitEvent(event);
  }

  handle(line: Json): void {
    this.sawJson = true;
    switch (line.type) {
      case 'thread.started':
        return this.emit({ type: 'started', agentId: 'codex', sessionId: str(line.thread_id) });
      case 'item.started':
      case 'item.updated':
        return this.itemProgress(obj(line.item));
      case 'item.completed':
        return this.itemCompleted(obj(line.item));
      case 'turn.completed':
        return this.turnCompleted(line);
      case 'turn.failed':
        this.terminal = { kind: 'failed', message: str(obj(line.error)?.message) ?? this.lastError ?? 'The Codex turn failed.' };
        return;
      case 'error': {
        const message = str(line.message);
        if (!message) return;
        this.lastError = message;
        // Only a `turn.completed` after the error makes the run a success.
        if (this.terminal?.kind === 'completed') this.terminal = undefined;
        return this.emit({ type: 'notice', message });
      }
      default:
        return; // turn.started, item.plan.delta, request_user_input, and whatever comes next
    }
  }

  private itemProgress(item: Json | undefined): void {
    if (!item) return;
    if (item.type === 'todo_list') return this.plan(item);
    // Other items (file changes, web searches) are still filling in their input until they complete.
    if (!SHOWN_AT_START.has(item.type as string)) return;
    const use = toolUse(item);
    if (use && !this.toolsShown.has(use.id)) {
      this.toolsShown.add(use.id);
      this.emit(use);
    }
  }

  private itemCompleted(item: Json | undefined): void {
    if (!item) return;
    switch (item.type) {
      case 'agent_message':
        return this.message('text', str(item.text), true);
      case 'reasoning':
        return this.message('thinking', str(item.text), false);
      case 'plan':
        // Plan mode's proposal: the answer when there is no agent message.
        this.finalMessage ??= str(item.text);
        return this.message('text', str(item.text), false);
      case 'todo_list':
        return this.plan(item);
      case 'error': {
        const message = str(item.message);
        return message ? this.emit({ type: 'notice', message }) : undefined;
      }
      default: {
        const use = toolUse(item);
        if (!use) return;
        if (!this.toolsShown.has(use.id)) this.emit(use);
        this.toolsShown.delete(use.id);
        return this.emit(toolResult(item, use.id));
      }
    }
  }

  /** Items arrive whole, so consecutive ones are kept apart as paragraphs. */
  private message(type: 'text' | 'thinking', text: string | undefined, isAnswer: boolean): void {
    if (!text) return;
    if (isAnswer) this.finalMessage = text;
    this.emit({ type, text: this.lastEmitted === type ? `\n\n${text}` : text });
  }

  private plan(item: Json): void {
    const steps = arr(item.items)
      .map(obj)
      .filter((s): s is Json => !!s && typeof s.text === 'string')
      .map((s) => `${s.completed === true ? '[x]' : '[ ]'} ${s.text as string}`);
    const text = steps.join('\n');
    if (!text || text === this.lastPlan) return;
    this.lastPlan = text;
    this.emit({ type: 'notice', message: `Plan:\n${text}` });
  }

  private turnCompleted(line: Json): void {
    this.terminal = { kind: 'completed' };
    const usage = obj(line.usage);
    if (!usage) return;
    // Thread totals so far; OpenAI's input count already includes the cached part.
    this.emit({
      type: 'usage',
      inputTokens: num(usage.input_tokens),
      outputTokens: num(usage.output_tokens),
      cacheReadTokens: num(usage.cached_input_tokens),
    });
  }

  finish(end: ProcessEnd): RunOutcome {
    const base = { exitCode: end.exitCode, signal: end.signal, durationMs: end.durationMs };
    if (this.terminal?.kind === 'completed') return { ...base, status: 'succeeded', result: this.finalMessage };
    if (end.stoppedBy) return { ...base, status: end.stoppedBy, message: stoppedMessage(end.stoppedBy) };
    if (this.terminal?.kind === 'failed') return { ...base, status: 'failed', message: this.terminal.message };
    if (!this.sawJson && end.stderrTail.trim()) return { ...base, status: 'failed', message: startupFailure(end) };
    // No terminal event: the stream was cut off. Whatever streamed so far stays shown.
    const reason = this.lastError ? ` Last error: ${this.lastError}` : '';
    return {
      ...base,
      status: 'failed',
      message: `OpenAI Codex ended without a result (${describeExit(end.exitCode, end.signal)}).${reason}${stderrSuffix(end.stderrTail)}`,
    };
  }
}

type ToolUse = Extract<AgentEvent, { type: 'tool-use' }>;

/** Actions whose input is complete when they start, so they can be shown while they run. */
const SHOWN_AT_START = new Set(['command_execution', 'mcp_tool_call', 'collab_tool_call']);

/** The tool use an action item stands for; undefined for items that are not actions. */
function toolUse(item: Json): ToolUse | undefined {
  const id = str(item.id) ?? '';
  switch (item.type) {
    case 'command_execution':
      return { type: 'tool-use', id, name: 'shell', input: { command: str(item.command) ?? '' } };
    case 'file_change': {
      const changes = arr(item.changes).map(obj).filter((c): c is Json => !!c);
      const paths = changes.map((c) => str(c.path)).filter((p): p is string => !!p);
      return { type: 'tool-use', id, name: 'apply_patch', input: { path: paths.join(', '), changes } };
    }
    case 'mcp_tool_call':
      return { type: 'tool-use', id, name: `${str(item.server) ?? 'mcp'}.${str(item.tool) ?? 'tool'}`, input: item.arguments };
    case 'web_search':
      return { type: 'tool-use', id, name: 'web_search', input: { query: str(item.query) ?? '', action: item.action } };
    case 'collab_tool_call':
      return { type: 'tool-use', id, name: `agents.${str(item.tool) ?? 'tool'}`, input: { prompt: item.prompt, receivers: item.receiver_thread_ids } };
    default:
      return undefined;
  }
}

function toolResult(item: Json, id: string): AgentEvent {
  const status = str(item.status);
  const failed = status === 'failed' || status === 'declined';
  const result = (output: string, isError = failed): AgentEvent => ({ type: 'tool-result', toolUseId: id, output, isError });
  switch (item.type) {
    case 'command_execution': {
      const exit = num(item.exit_code);
      const output = str(item.aggregated_output) ?? '';
      if (status === 'declined') return result(output || 'The command was not run: it was declined.');
      return result(output, failed || (exit !== undefined && exit !== 0));
    }
    case 'file_change':
      return result(
        arr(item.changes)
          .map(obj)
          .map((c) => `${str(c?.kind) ?? 'update'} ${str(c?.path) ?? ''}`.trim())
          .join('\n'),
      );
    case 'mcp_tool_call': {
      const error = str(obj(item.error)?.message);
      if (error) return result(error, true);
      const r = obj(item.result);
      const text = arr(r?.content)
        .map((c) => str(obj(c)?.text) ?? '')
        .filter(Boolean)
        .join('\n');
      return result(text || (r?.structured_content !== undefined ? JSON.stringify(r.structured_content) : ''));
    }
    case 'collab_tool_call': {
      const states = Object.entries(obj(item.agents_states) ?? {}).map(([thread, s]) => {
        const state = obj(s);
        return `${thread}: ${str(state?.status) ?? '?'}${str(state?.message) ? ` ${str(state?.message)}` : ''}`;
      });
      return result(states.join('\n'));
    }
    default:
      return result('');
  }
}

/** Codex wrote no JSON at all: a fatal error on stderr before the run began. */
function startupFailure(end: ProcessEnd): string {
  const lines = end.stderrTail
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  let at = lines.findIndex((l) => /^error\b/i.test(l));
  if (at < 0) at = lines.map((l) => !/^WARNING\b/.test(l)).lastIndexOf(true);
  if (at < 0) at = lines.length - 1;
  const headline = lines[at];
  const hint = /trusted directory|skip-git-repo-check/.test(end.stderrTail)
    ? ' Codex runs only in a Git repository (or a folder trusted in its config.toml): run `git init` in the working folder or pick another folder.'
    : '';
  // The headline's details (a config file's line and column) first, earlier warnings last.
  const rest = [...lines.slice(at + 1), ...lines.slice(0, at)].join('\n');
  return `OpenAI Codex could not start the run (${describeExit(end.exitCode, end.signal)}): ${headline}${hint}${stderrSuffix(rest)}`;
}

