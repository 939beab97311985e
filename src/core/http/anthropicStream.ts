import type { EmitEvent, RunOutcome } from '../agents/events';
import type { SseEvent } from '../stream/sse';
import type { SseMapper, StreamEnd } from './sseRun';

import { num, obj, str } from '../util/json';

/**
 * Anthropic Messages streaming: message_start, content_block_start/delta/stop,
 * message_delta (cumulative usage), message_stop, ping, error. Tool input
 * arrives as partial JSON and is emitted once its block stops. Unknown events
 * and delta types are ignored. Without message_stop the run failed, and what
 * streamed stays shown.
 */
export class AnthropicStreamMapper implements SseMapper {
  private readonly tools = new Map<number, { id: string; name: string; json: string }>();
  private inputTokens: number | undefined;
  private outputTokens: number | undefined;
  private stopReason: string | undefined;
  private stopped = false;
  private error: string | undefined;
  private readonly text: string[] = [];

  constructor(private readonly emit: EmitEvent, private readonly agentId = 'anthropic') {}

  handle(e: SseEvent): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(e.data);
    } catch {
      return;
    }
    const data = obj(parsed);
    if (!data) return;
    const index = num(data.index);
    switch (str(data.type) ?? e.event) {
      case 'message_start': {
        const m = obj(data.message);
        this.inputTokens = num(obj(m?.usage)?.input_tokens);
        this.emit({ type: 'started', agentId: this.agentId, model: str(m?.model) });
        return;
      }
      case 'content_block_start': {
        const b = obj(data.content_block);
        if (b?.type === 'tool_use' && index !== undefined) this.tools.set(index, { id: str(b.id) ?? `tool_${index}`, name: str(b.name) ?? 'tool', json: '' });
        else if (b?.type === 'text' && str(b.text)) this.textDelta(b.text as string);
        return;
      }
      case 'content_block_delta': {
        const d = obj(data.delta);
        if (d?.type === 'text_delta' && typeof d.text === 'string') this.textDelta(d.text);
        else if (d?.type === 'thinking_delta' && typeof d.thinking === 'string') this.emit({ type: 'thinking', text: d.thinking });
        else if (d?.type === 'input_json_delta' && typeof d.partial_json === 'string' && index !== undefined) {
          const t = this.tools.get(index);
          if (t) t.json += d.partial_json;
        }
        return;
      }
      case 'content_block_stop': {
        const t = index === undefined ? undefined : this.tools.get(index);
        if (t && index !== undefined) {
          this.tools.delete(index);
          let input: unknown = {};
          try {
            input = t.json ? JSON.parse(t.json) : {};
          } catch {
            input = t.json;
          }
          this.emit({ type: 'tool-use', id: t.id, name: t.name, input });
        }
        return;
      }
      case 'message_delta': {
        const out = num(obj(data.usage)?.output_tokens);
        if (out !== undefined) this.outputTokens = out;
        const stop = str(obj(data.delta)?.stop_reason);
        if (stop) this.stopReason = stop;
        return;
      }
      case 'message_stop':
        this.stopped = true;
        return;
      case 'error': {
        const err = obj(data.error);
        this.error = `${str(err?.type) ?? 'error'}: ${str(err?.message) ?? 'the API reported an error mid-stream'}`;
        return;
      }
      default:
        return; // ping and anything new
    }
  }

  private textDelta(text: string): void {
    this.text.push(text);
    this.emit({ type: 'text', text });
  }

  finish(end: StreamEnd): RunOutcome {
    if (this.inputTokens !== undefined || this.outputTokens !== undefined) {
      this.emit({ type: 'usage', inputTokens: this.inputTokens, outputTokens: this.outputTokens, durationMs: end.durationMs });
    }
    const base = { durationMs: end.durationMs };
    if (end.stoppedBy) return { ...base, status: end.stoppedBy };
    if (this.error) return { ...base, status: 'failed', message: `The Anthropic API stopped the answer: ${this.error}` };
    if (!this.stopped) {
      return { ...base, status: 'failed', message: `The answer was cut off before it finished${end.networkError ? ` (${end.networkError})` : ''}.` };
    }
    const result = this.text.join('');
    if (this.stopReason === 'max_tokens') return { ...base, status: 'succeeded', result, message: 'The answer reached the max_tokens limit and may be incomplete.' };
    return { ...base, status: 'succeeded', result };
  }
}
