import { StringDecoder } from 'node:string_decoder';
import { LineTooLongError } from './jsonLines';

/** One dispatched server-sent event. */
export interface SseEvent {
  /** The `event:` field; undefined means the default type ("message"). */
  event?: string;
  data: string;
  id?: string;
}

/** Default bound on one line and on one event's data: far above any real answer, far below what exhausts memory. */
export const DEFAULT_MAX_SSE_CHARS = 64 * 1024 * 1024;

/**
 * A server-sent events parser following the WHATWG event-stream rules: lines end
 * in CRLF, LF or CR (a CR at a chunk's end may be the first half of a CRLF),
 * `data:` lines accumulate with "\n", one leading space after the colon is
 * dropped, `:` lines are comments, a blank line dispatches, and an event with
 * no data is not dispatched. UTF-8 is decoded across chunk boundaries.
 *
 * Linear in its input: each chunk is scanned once, a line split across chunks
 * is joined once. Bounded: a line or an event's data longer than `maxChars`
 * throws LineTooLongError (the stream is hostile or broken; stop reading it).
 */
export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  /** Pieces of the line not yet terminated, and their total length. */
  private pending: string[] = [];
  private pendingChars = 0;
  private lastWasCR = false;
  private started = false;
  private data: string[] = [];
  private dataChars = 0;
  private event: string | undefined;
  private id: string | undefined;

  constructor(
    private readonly onEvent: (e: SseEvent) => void,
    private readonly maxChars = DEFAULT_MAX_SSE_CHARS,
  ) {}

  push(chunk: Buffer | string): void {
    let text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    if (!this.started && text.length) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.lastWasCR && text.charCodeAt(0) === 10) text = text.slice(1);
    this.lastWasCR = false;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      let line = text.slice(start, i);
      if (this.pending.length) {
        this.pending.push(line);
        line = this.pending.join('');
        this.pending = [];
        this.pendingChars = 0;
      }
      this.line(line);
      if (c === 13) {
        if (i + 1 === text.length) this.lastWasCR = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    if (start < text.length) {
      const rest = text.slice(start);
      this.pendingChars += rest.length;
      if (this.pendingChars > this.maxChars) throw new LineTooLongError(this.pendingChars, this.maxChars);
      this.pending.push(rest);
    }
  }

  /** End of stream: an unterminated final event is discarded, as the spec says. */
  end(): void {
    this.push(this.decoder.end());
    this.pending = [];
    this.pendingChars = 0;
    this.data = [];
    this.dataChars = 0;
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
        this.dataChars += value.length + 1;
        if (this.dataChars > this.maxChars) throw new LineTooLongError(this.dataChars, this.maxChars);
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
    this.dataChars = 0;
    this.event = undefined;
  }
}
