import type { SeqEvent } from '../core/agents/events';

/** Bounds on one `events` message from the host to a panel, so no message is huge however long the run. */
export const MAX_EVENTS_PER_MESSAGE = 2000;
export const MAX_CHARS_PER_MESSAGE = 1 << 20;

/** Roughly how many characters an event puts in a message. */
function weight(e: SeqEvent): number {
  const ev = e.event;
  return ev.type === 'text' || ev.type === 'thinking' ? ev.text.length : ev.type === 'tool-result' ? ev.output.length + 64 : 128;
}

/** Splits events, in order, into messages within both bounds (one event larger than the char bound goes alone). */
export function eventBatches(events: readonly SeqEvent[], maxEvents = MAX_EVENTS_PER_MESSAGE, maxChars = MAX_CHARS_PER_MESSAGE): SeqEvent[][] {
  const out: SeqEvent[][] = [];
  let batch: SeqEvent[] = [];
  let chars = 0;
  for (const e of events) {
    const w = weight(e);
    if (batch.length && (batch.length >= maxEvents || chars + w > maxChars)) {
      out.push(batch);
      batch = [];
      chars = 0;
    }
    batch.push(e);
    chars += w;
  }
  if (batch.length) out.push(batch);
  return out;
}
