import type { StreamParser } from '../agents/cliAgent';
import type { Logger } from '../log';
import { LineSplitter, LineTooLongError, parseJsonObject } from '../stream/jsonLines';

/**
 * An agent CLI's stdout on its way to the agent's parser: JSON lines go to the
 * parser; stray text and events the parser did not expect are skipped and
 * counted, never fatal; a line past `maxLineChars` stops reading for good
 * (`overflow`, then `onOverflow` once, so the caller can kill the tree), and
 * nothing more is held.
 */
export class StdoutReader {
  /** Lines that were not a JSON object. */
  strayLines = 0;
  /** JSON events the parser threw on. */
  malformed = 0;
  overflow: LineTooLongError | undefined;
  private readonly splitter: LineSplitter;

  constructor(
    private readonly parser: StreamParser,
    private readonly logger: Logger,
    maxLineChars?: number,
    private readonly onOverflow?: (err: LineTooLongError) => void,
  ) {
    this.splitter = new LineSplitter((line) => this.line(line), maxLineChars);
  }

  push(chunk: Buffer | string): void {
    this.guard(() => this.splitter.push(chunk));
  }

  /** The end of stdout: a last line without a newline still counts. */
  end(): void {
    this.guard(() => this.splitter.end());
    if (this.malformed) this.logger.warn(`skipped ${this.malformed} malformed event(s) in all`);
  }

  private line(line: string): void {
    try {
      if (this.parser.handleRaw?.(line)) return;
    } catch (err) {
      if (++this.malformed <= 5) this.logger.warn(`skipped a malformed event (${err instanceof Error ? err.message : String(err)}): ${line.slice(0, 200)}`);
      return;
    }
    const json = parseJsonObject(line);
    if (!json) {
      if (this.parser.handleCut?.(line)) {
        this.logger.warn(`a stdout line of ${line.length} characters is not complete JSON (cut off at exit, if it is the last): ${line.slice(0, 200)}`);
        return;
      }
      if (++this.strayLines <= 5) this.logger.warn(`ignored non-JSON stdout line: ${line.slice(0, 200)}`);
      return;
    }
    try {
      this.parser.handle(json);
    } catch (err) {
      if (++this.malformed <= 5) this.logger.warn(`skipped a malformed event (${err instanceof Error ? err.message : String(err)}): ${line.slice(0, 200)}`);
    }
  }

  private guard(read: () => void): void {
    if (this.overflow) return;
    try {
      read();
    } catch (err) {
      if (!(err instanceof LineTooLongError)) throw err;
      this.overflow = err;
      this.logger.warn(`stopping: ${err.message}`);
      this.onOverflow?.(err);
    }
  }
}
