import type { EmitEvent, RunOutcome } from '../agents/events';
import type { SseEvent } from '../stream/sse';
import type { SseMapper, StreamEnd } from './sseRun';

import { arr, num, obj, str } from '../util/json';

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
    let parsed: unknown;
    try {
      parsed = JSON.parse(e.data);
    } catch {
      return;
    }
    const chunk = obj(parsed);
    if (!chunk) return;
    if (chunk.error) {
      const err = chunk.error;
      this.error = str(err) ?? str(obj(err)?.message) ?? JSON.stringify(err);
      return;
    }
    if (!this.started) {
      this.started = true;
      this.emit({ type: 'started', agentId: this.agentId, model: str(chunk.model) });
    }
    const usage = obj(chunk.usage);
    if (usage) this.usage = { inputTokens: num(usage.prompt_tokens), outputTokens: num(usage.completion_tokens) };
    for (const item of arr(chunk.choices)) {
      // Servers send odd shapes (`choices: [null]`, a delta that is a string): skip what is not a choice.
      const choice = obj(item);
      if (!choice || (num(choice.index) ?? 0) !== 0) continue;
      const d = obj(choice.delta) ?? {};
      const reasoning = str(d.reasoning_content) ?? str(d.reasoning);
      if (reasoning) this.emit({ type: 'thinking', text: reasoning });
      const content = str(d.content);
      if (content) {
        this.text.push(content);
        this.emit({ type: 'text', text: content });
      }
      for (const entry of arr(d.tool_calls)) {
        const tc = obj(entry);
        if (!tc) continue;
        const i = num(tc.index) ?? 0;
        const call = this.calls.get(i) ?? { id: '', name: '', args: '' };
        const fn = obj(tc.function);
        if (str(tc.id)) call.id = tc.id as string;
        if (str(fn?.name)) call.name += fn!.name as string;
        if (str(fn?.arguments)) call.args += fn!.arguments as string;
        this.calls.set(i, call);
      }
      const finish = str(choice.finish_reason);
      if (finish) {
        this.finishReason = finish;
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
