import type { EmitEvent, RunOutcome } from '../agents/events';
import type { SseEvent } from '../stream/sse';
import type { SseMapper, StreamEnd } from './sseRun';

type Json = Record<string, any>;

/**
 * OpenAI-compatible chat completion chunks (data-only SSE ending in `[DONE]`).
 * Servers differ: usage may come on a final chunk with empty (or null)
 * `choices`, or on every chunk; reasoning may arrive as `reasoning_content` or
 * `reasoning`. Tool calls stream as fragments keyed by index and are emitted
 * whole when the choice finishes. A stream that ends without `[DONE]` but with
 * a finish reason is accepted (some servers omit it); one with neither was cut.
 */
export class OpenAiChatStreamMapper implements SseMapper {
  private readonly calls = new Map<number, { id: string; name: string; args: string }>();
  private finishReason: string | undefined;
  private done = false;
  private started = false;
  private error: string | undefined;
  private usage: { inputTokens?: number; outputTokens?: number } | undefined;
  private readonly text: string[] = [];

  constructor(private readonly emit: EmitEvent, private readonly agentId = 'openai') {}

  handle(e: SseEvent): void {
    if (e.data.trim() === '[DONE]') {
      this.done = true;
      return;
    }
    let chunk: Json;
    try {
      chunk = JSON.parse(e.data);
    } catch {
      return;
    }
    if (chunk.error) {
      this.error = typeof chunk.error === 'string' ? chunk.error : (chunk.error.message ?? JSON.stringify(chunk.error));
      return;
    }
    if (!this.started) {
      this.started = true;
      this.emit({ type: 'started', agentId: this.agentId, model: chunk.model });
    }
    if (chunk.usage && typeof chunk.usage === 'object') {
      this.usage = { inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens };
    }
    for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
      if ((choice.index ?? 0) !== 0) continue;
      const d = choice.delta ?? {};
      const reasoning = d.reasoning_content ?? d.reasoning;
      if (typeof reasoning === 'string' && reasoning) this.emit({ type: 'thinking', text: reasoning });
      if (typeof d.content === 'string' && d.content) {
        this.text.push(d.content);
        this.emit({ type: 'text', text: d.content });
      }
      for (const tc of Array.isArray(d.tool_calls) ? d.tool_calls : []) {
        const i = tc.index ?? 0;
        const call = this.calls.get(i) ?? { id: '', name: '', args: '' };
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.name += tc.function.name;
        if (typeof tc.function?.arguments === 'string') call.args += tc.function.arguments;
        this.calls.set(i, call);
      }
      if (choice.finish_reason) {
        this.finishReason = choice.finish_reason;
        this.flushCalls();
      }
    }
  }

  private flushCalls(): void {
    for (const [i, c] of [...this.calls].sort((a, b) => a[0] - b[0])) {
      let input: unknown = c.args;
      try {
        input = c.args ? JSON.parse(c.args) : {};
      } catch {
        // keep the raw text: a server sent invalid JSON arguments
      }
      this.emit({ type: 'tool-use', id: c.id || `call_${i}`, name: c.name || 'function', input });
    }
    this.calls.clear();
  }

  finish(end: StreamEnd): RunOutcome {
    this.flushCalls();
    if (this.usage) this.emit({ type: 'usage', ...this.usage, durationMs: end.durationMs });
    const base = { durationMs: end.durationMs };
    if (end.stoppedBy) return { ...base, status: end.stoppedBy };
    if (this.error) return { ...base, status: 'failed', message: `The server stopped the answer: ${this.error}` };
    if (!this.done && !this.finishReason) {
      return { ...base, status: 'failed', message: `The answer was cut off before it finished${end.networkError ? ` (${end.networkError})` : ''}.` };
    }
    const result = this.text.join('');
    if (this.finishReason === 'length') return { ...base, status: 'succeeded', result, message: 'The answer reached the length limit and may be incomplete.' };
    if (this.finishReason === 'content_filter') return { ...base, status: 'failed', message: 'The server withheld the answer (content filter).' };
    return { ...base, status: 'succeeded', result };
  }
}
