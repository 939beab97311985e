import type { RunOutcome } from '../agents/events';
import type { RunContext } from '../agents/provider';
import { SseParser, type SseEvent } from '../stream/sse';
import { apiErrorMessage, readText, type HttpClient } from './httpClient';

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
 * POSTs a streaming request and feeds the SSE body to the mapper as it
 * arrives. Never rejects: network errors, HTTP errors, aborts and truncated
 * streams all become outcomes.
 */
export async function runSse(req: SseRequest, mapper: SseMapper, ctx: RunContext): Promise<RunOutcome> {
  const started = Date.now();
  const stoppedBy = () => (ctx.signal.aborted ? (ctx.signal.reason === 'timed-out' ? 'timed-out' : 'cancelled') : undefined);
  const fail = (message: string): RunOutcome => {
    ctx.emit({ type: 'error', message });
    return { status: 'failed', message, durationMs: Date.now() - started };
  };
  let res;
  try {
    res = await req.client.postJson(req.path, req.body, req.headers, ctx.signal);
  } catch (err) {
    const by = stoppedBy();
    if (by) return { status: by, durationMs: Date.now() - started };
    return fail(`Could not reach ${req.providerName} at ${req.client.url(req.path).origin}: ${(err as Error).message}. Check the base URL setting and that the server is running.`);
  }
  ctx.logger.info(`${req.providerName}: HTTP ${res.status}${res.reusedConnection ? ' (reused connection)' : ' (new connection)'}`);
  if (res.status < 200 || res.status >= 300) {
    const text = await readText(res.body).catch(() => '');
    return fail(req.httpError(res.status, apiErrorMessage(text)));
  }

  const parser = new SseParser((e) => mapper.handle(e));
  let networkError: string | undefined;
  try {
    for await (const chunk of res.body) parser.push(chunk as Buffer);
    parser.end();
  } catch (err) {
    if (!stoppedBy()) networkError = (err as Error).message;
  }
  return mapper.finish({ stoppedBy: stoppedBy(), networkError, durationMs: Date.now() - started });
}
