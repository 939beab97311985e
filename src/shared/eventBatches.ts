/** What a batch holds: any numbered event (a run's, or the panel's stream with its turn markers). */
type Numbered = { seq: number; event: { type: string; text?: string; output?: string } };

/** Bounds on one `events` message from the host to a panel, so no message is huge however long the run. */
export const MAX_EVENTS_PER_MESSAGE = 2000;
export const MAX_CHARS_PER_MESSAGE = 1 << 20;

/** Roughly how many characters an event puts in a message. */
function weight(e: Numbered): number {
  const ev = e.event;
  return ev.type === 'text' || ev.type === 'thinking' ? (ev.text?.length ?? 0) : ev.type === 'tool-result' ? (ev.output?.length ?? 0) + 64 : 128;
}

/** Splits events, in order, into messages within both bounds (one event larger than the char bound goes alone). */
export function eventBatches<E extends Numbered>(events: readonly E[], maxEvents = MAX_EVENTS_PER_MESSAGE, maxChars = MAX_CHARS_PER_MESSAGE): E[][] {
  const out: E[][] = [];
  let batch: E[] = [];
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
