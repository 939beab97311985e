import { StringDecoder } from 'node:string_decoder';

/** One dispatched server-sent event. */
export interface SseEvent {
  /** The `event:` field; undefined means the default type ("message"). */
  event?: string;
  data: string;
  id?: string;
}

/**
 * A server-sent events parser following the WHATWG event-stream rules: lines end
 * in CRLF, LF or CR (a CR at a chunk's end may be the first half of a CRLF),
 * `data:` lines accumulate with "\n", one leading space after the colon is
 * dropped, `:` lines are comments, a blank line dispatches, and an event with
 * no data is not dispatched. UTF-8 is decoded across chunk boundaries.
 */
export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';
  private lastWasCR = false;
  private started = false;
  private data: string[] = [];
  private event: string | undefined;
  private id: string | undefined;

  constructor(private readonly onEvent: (e: SseEvent) => void) {}

  push(chunk: Buffer | string): void {
    let text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    if (!this.started && text.length) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.lastWasCR && text.startsWith('\n')) text = text.slice(1);
    this.lastWasCR = false;
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(this.buffer.slice(start, i));
      if (c === 13) {
        if (i + 1 === this.buffer.length) this.lastWasCR = true;
        else if (this.buffer.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
  }

  /** End of stream: an unterminated final event is discarded, as the spec says. */
  end(): void {
    this.push(this.decoder.end());
    this.buffer = '';
    this.data = [];
    this.event = undefined;
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.charCodeAt(0) === 58 /* : */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        return;
      case 'event':
        this.event = value;
        return;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        return;
      default:
        return; // retry and unknown fields
    }
  }

  private dispatch(): void {
    if (this.data.length) this.onEvent({ event: this.event || undefined, data: this.data.join('\n'), id: this.id });
    this.data = [];
    this.event = undefined;
  }
}
