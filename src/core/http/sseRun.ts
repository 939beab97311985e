import type { RunOutcome } from '../agents/events';
import type { RunContext, RunRequest } from '../agents/provider';
import type { Logger } from '../log';
import { isTransientStatus, statusReason, transientNetworkReason } from '../agents/transient';
import { LineTooLongError } from '../stream/jsonLines';
import { SseParser, type SseEvent } from '../stream/sse';
import { apiErrorMessage, apiErrorType, readText, retryAfterMs, type HttpClient } from './httpClient';

/** How the stream ended, for a mapper to judge. */
export interface StreamEnd {
  stoppedBy?: 'cancelled' | 'timed-out';
  /** The connection failed mid-stream. */
  networkError?: string;
  durationMs: number;
}

/** Turns one API's server-sent events into normalised events, then an outcome. */
export interface SseMapper {
  handle(e: SseEvent): void;
  finish(end: StreamEnd): RunOutcome;
}

export interface SseRequest {
  client: HttpClient;
  path: string;
  body: unknown;
  headers: Record<string, string>;
  /** Message for an HTTP error status before the stream starts (what happened and what to do). */
  httpError(status: number, message: string): string;
  providerName: string;
}

/**
 * A mapper whose surprises are skipped and counted: an event of a shape it did
 * not expect (`choices: [null]`, a field of another type) never fails the run.
 */
export function guardedMapper(mapper: SseMapper, logger: Logger, source: string): { handle(e: SseEvent): void; readonly malformed: number } {
  let malformed = 0;
  return {
    handle(e) {
      try {
        mapper.handle(e);
      } catch (err) {
        if (++malformed <= 5) logger.warn(`${source}: skipped a malformed event (${err instanceof Error ? err.message : String(err)}): ${e.data.slice(0, 200)}`);
      }
    },
    get malformed() {
      return malformed;
    },
  };
}

/**
 * POSTs a streaming request and feeds the SSE body to the mapper as it
 * arrives. Never rejects: network errors, HTTP errors, aborts and truncated
 * streams all become outcomes. A failure before the answer's first byte that
 * may go away by itself (connection refused, HTTP 429/5xx/529, overloaded) is
 * marked `transient`, with the server's Retry-After; once a byte of the answer
 * arrived, nothing is.
 */
export async function runSse(req: SseRequest, mapper: SseMapper, ctx: RunContext, request: Pick<RunRequest, 'maxLineChars'> = {}): Promise<RunOutcome> {
  const started = Date.now();
  const stoppedBy = () => (ctx.signal.aborted ? (ctx.signal.reason === 'timed-out' ? 'timed-out' : 'cancelled') : undefined);
  const fail = (message: string, transient?: RunOutcome['transient'], httpStatus?: number): RunOutcome => {
    ctx.emit({ type: 'error', message });
    return { status: 'failed', message, durationMs: Date.now() - started, ...(httpStatus ? { httpStatus } : {}), ...(transient ? { transient } : {}) };
  };
  let res;
  const sentAt = performance.now();
  try {
    res = await req.client.postJson(req.path, req.body, req.headers, ctx.signal);
  } catch (err) {
    const by = stoppedBy();
    if (by) return { status: by, durationMs: Date.now() - started };
    const reason = transientNetworkReason(err);
    return fail(
      `Could not reach ${req.providerName} at ${req.client.url(req.path).origin}: ${(err as Error).message}. Check the base URL setting and that the server is running.`,
      reason ? { reason } : undefined,
    );
  }
  ctx.logger.info(`${req.providerName}: HTTP ${res.status}${res.reusedConnection ? ' (reused connection)' : ' (new connection)'}`);
  if (res.status < 200 || res.status >= 300) {
    const text = await readText(res.body).catch(() => '');
    const type = apiErrorType(text);
    const transient = isTransientStatus(res.status) || type === 'overloaded_error' ? { reason: statusReason(res.status, type), afterMs: retryAfterMs(res.headers) } : undefined;
    return fail(req.httpError(res.status, apiErrorMessage(text)), transient, res.status);
  }

  const guard = guardedMapper(mapper, ctx.logger, req.providerName);
  const parser = new SseParser((e) => guard.handle(e), request.maxLineChars);
  let networkError: string | undefined;
  let bytes = 0;
  let cause: unknown;
  try {
    for await (const chunk of res.body) {
      // The API's counterpart of a CLI's spawn to first byte: the request sent to the answer's first byte.
      if (bytes === 0) ctx.measure?.({ spawnToFirstByteMs: Math.round((performance.now() - sentAt) * 10) / 10 });
      bytes += (chunk as Buffer).length;
      parser.push(chunk as Buffer);
    }
    parser.end();
  } catch (err) {
    if (err instanceof LineTooLongError) {
      res.body.destroy();
      return fail(`${req.providerName} was stopped: ${err.message}.`);
    }
    if (!stoppedBy()) networkError = (err as Error).message;
    cause = err;
  }
  if (guard.malformed) ctx.logger.warn(`${req.providerName}: skipped ${guard.malformed} malformed event(s)`);
  const outcome = mapper.finish({ stoppedBy: stoppedBy(), networkError, durationMs: Date.now() - started });
  // The connection dropped before a byte of the answer: as safe to retry as a refused one.
  const reason = bytes === 0 && outcome.status === 'failed' && networkError ? (transientNetworkReason(cause) ?? 'connection reset') : undefined;
  return reason ? { ...outcome, transient: { reason } } : outcome;
}
