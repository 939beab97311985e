import { StringDecoder } from 'node:string_decoder';

/** Default bound on one line: an agent's final `result` line carries its whole answer, so far above any real one. */
export const DEFAULT_MAX_LINE_CHARS = 64 * 1024 * 1024;

/** A line (or SSE event) grew past its bound: the stream is broken or hostile, and reading on would exhaust memory. */
export class LineTooLongError extends Error {
  constructor(
    readonly chars: number,
    readonly maxChars: number,
  ) {
    super(`a line of output grew past ${formatMB(maxChars)} (agentRelay.run.maxLineMegabytes) without ending`);
  }
}

function formatMB(chars: number): string {
  return `${Math.round(chars / (1024 * 1024))} MB`;
}

/**
 * Splits a byte stream into lines of JSON Lines output: `\n` separated, an
 * optional `\r` before it stripped, blank lines skipped. UTF-8 is decoded with a
 * streaming decoder so a multi-byte character split across chunks survives, and a
 * line split across many chunks is joined once (no quadratic concatenation), so
 * lines of many megabytes are fine. A line longer than `maxChars` throws
 * LineTooLongError before it is joined, so memory stays bounded.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending: string[] = [];
  private pendingChars = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxChars = DEFAULT_MAX_LINE_CHARS,
  ) {}

  push(chunk: Buffer | string): void {
    this.consume(typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
  }

  /** Flushes a final line that had no newline (a truncated stream still yields its last line). */
  end(): void {
    this.consume(this.decoder.end());
    if (this.pending.length) {
      const line = this.pending.join('');
      this.pending = [];
      this.pendingChars = 0;
      this.deliver(line);
    }
  }

  private consume(text: string): void {
    let start = 0;
    let nl = text.indexOf('\n');
    while (nl !== -1) {
      let line = text.slice(start, nl);
      if (this.pending.length) {
        if (this.pendingChars + line.length > this.maxChars) throw new LineTooLongError(this.pendingChars + line.length, this.maxChars);
        this.pending.push(line);
        line = this.pending.join('');
        this.pending = [];
        this.pendingChars = 0;
      } else if (line.length > this.maxChars) throw new LineTooLongError(line.length, this.maxChars);
      this.deliver(line);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    if (start < text.length) {
      const rest = text.slice(start);
      this.pendingChars += rest.length;
      if (this.pendingChars > this.maxChars) throw new LineTooLongError(this.pendingChars, this.maxChars);
      this.pending.push(rest);
    }
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
