import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a byte stream into lines of JSON Lines output: `\n` separated, an
 * optional `\r` before it stripped, blank lines skipped. UTF-8 is decoded with a
 * streaming decoder so a multi-byte character split across chunks survives, and a
 * line split across many chunks is joined once (no quadratic concatenation), so
 * lines of many megabytes are fine.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending: string[] = [];

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    this.consume(typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
  }

  /** Flushes a final line that had no newline (a truncated stream still yields its last line). */
  end(): void {
    this.consume(this.decoder.end());
    if (this.pending.length) {
      const line = this.pending.join('');
      this.pending = [];
      this.deliver(line);
    }
  }

  private consume(text: string): void {
    let start = 0;
    let nl = text.indexOf('\n');
    while (nl !== -1) {
      let line = text.slice(start, nl);
      if (this.pending.length) {
        this.pending.push(line);
        line = this.pending.join('');
        this.pending = [];
      }
      this.deliver(line);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    if (start < text.length) this.pending.push(text.slice(start));
  }

  private deliver(line: string): void {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') return;
    this.onLine(line);
  }
}

/** A JSON object from one line, or undefined for anything else (stray text, arrays, bad JSON). */
export function parseJsonObject(line: string): Record<string, unknown> | undefined {
  if (line.charCodeAt(0) !== 123 /* { */ && line.trimStart()[0] !== '{') return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
