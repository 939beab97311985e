// Which failures of a model API may go away by themselves, so that trying again
// is worth it: shared by the HTTP providers and the CLI agents.

/** Request timeout, rate limit, server errors, and Anthropic's "overloaded". */
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504, 529]);

export function isTransientStatus(status: number | undefined): boolean {
  return status !== undefined && RETRYABLE_STATUSES.has(status);
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ECONNABORTED: 'connection aborted',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'DNS lookup failed',
  EAI_AGAIN: 'DNS lookup failed',
  UND_ERR_SOCKET: 'connection reset',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

/** A short reason for a network error that may be transient (by its code), or undefined. */
export function transientNetworkReason(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? (err as { cause?: NodeJS.ErrnoException } | undefined)?.cause?.code;
  return code ? NETWORK_CODES[code] : undefined;
}

/**
 * The same, read from an agent CLI's own words (its error message or stderr):
 * CLIs print the Node error code or the API's error type.
 */
export function transientReasonInText(text: string): string | undefined {
  for (const [code, reason] of Object.entries(NETWORK_CODES)) if (text.includes(code)) return reason;
  if (/\boverloaded(_error)?\b/i.test(text)) return 'overloaded';
  if (/\bsocket hang up\b/i.test(text)) return 'connection reset';
  return undefined;
}

const STATUS_TEXT: Record<number, string> = {
  408: 'request timeout',
  429: 'rate limited',
  500: 'server error',
  502: 'bad gateway',
  503: 'unavailable',
  504: 'gateway timeout',
  529: 'overloaded',
};

/** "529 overloaded", "429 rate limited": an HTTP status in a few words (Anthropic's `overloaded_error` says so for any status). */
export function statusReason(status: number, errorType?: string): string {
  const text = errorType === 'overloaded_error' || errorType === 'overloaded' ? 'overloaded' : STATUS_TEXT[status];
  return text ? `${status} ${text}` : String(status);
}
