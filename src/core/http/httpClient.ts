import * as http from 'node:http';
import * as https from 'node:https';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body as it arrives. */
  body: http.IncomingMessage;
  /** Whether this request went over a connection an earlier request opened. */
  reusedConnection: boolean;
}

export interface HttpClientOptions {
  /**
   * Send requests straight through our keep-alive pool instead of through
   * `http.request`/`https.request`. Inside VS Code those functions are patched
   * for proxy support, and the patch swaps in its own agent per request, so
   * connections are not reused. Direct is right for loopback servers (no proxy
   * ever applies) and for users who opt out of VS Code's proxy support.
   */
  direct?: boolean;
}

/** True for localhost and loopback addresses, where no proxy applies. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}

/**
 * One keep-alive connection pool for one provider configuration. Reusing it
 * skips DNS, TCP and TLS setup on every request after the first; disposing it
 * (when the provider cache evicts the provider) closes the idle sockets.
 */
export class HttpClient {
  private readonly agent: http.Agent;
  private readonly secure: boolean;
  private readonly direct: boolean;

  constructor(
    readonly baseUrl: string,
    clientOptions: HttpClientOptions = {},
  ) {
    this.direct = clientOptions.direct ?? isLoopbackUrl(baseUrl);
    const url = new URL(baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`Unsupported URL ${baseUrl}: use http:// or https://.`);
    this.secure = url.protocol === 'https:';
    const options = { keepAlive: true, keepAliveMsecs: 15_000, maxSockets: 8, maxFreeSockets: 2 };
    this.agent = this.secure ? new https.Agent(options) : new http.Agent(options);
  }

  /** URL for a path relative to the base URL ("/v1/messages" under "https://host/prefix"). */
  url(path: string): URL {
    const base = this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`;
    return new URL(path.replace(/^\//, ''), base);
  }

  /** Sends a JSON POST; resolves once the response headers arrive. Rejects on network errors and aborts. */
  postJson(path: string, body: unknown, headers: Record<string, string>, signal: AbortSignal): Promise<HttpResponse> {
    const payload = Buffer.from(JSON.stringify(body));
    const url = this.url(path);
    const options: http.RequestOptions = {
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      agent: this.agent,
      signal,
      headers: { 'content-type': 'application/json', 'content-length': String(payload.length), accept: 'text/event-stream, application/json', ...headers },
    };
    return new Promise((resolve, reject) => {
      const onResponse = (res: http.IncomingMessage) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, reusedConnection: req.reusedSocket });
      // ClientRequest is what http.request constructs; calling it directly skips any patch on the module.
      const req = this.direct ? new http.ClientRequest(options, onResponse) : (this.secure ? https : http).request(options, onResponse);
      req.on('error', reject);
      req.end(payload);
    });
  }

  dispose(): void {
    this.agent.destroy();
  }
}

/** Reads a whole (error) body as text, at most 64 KB. */
export async function readText(body: http.IncomingMessage, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    const buf = c as Buffer;
    if (size < limit) chunks.push(buf.subarray(0, limit - size));
    size += buf.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The `type` of an API error body ({error:{type}} or {type}), e.g. "overloaded_error". */
export function apiErrorType(text: string): string | undefined {
  try {
    const j = JSON.parse(text);
    const t = j?.error?.type ?? (j?.type !== 'error' ? j?.type : undefined);
    return typeof t === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How long the server asks us to wait: `retry-after-ms` (milliseconds, sent
 * by OpenAI and Anthropic), else `retry-after` in seconds or as an HTTP date.
 */
export function retryAfterMs(headers: http.IncomingHttpHeaders, now = Date.now()): number | undefined {
  const ms = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers['retry-after'];
  if (typeof raw !== 'string' || !raw.trim()) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The `message` of an API error body ({error:{message}} or {message}), else the raw text, shortened. */
export function apiErrorMessage(text: string): string {
  try {
    const j = JSON.parse(text);
    const m = j?.error?.message ?? j?.message ?? (typeof j?.error === 'string' ? j.error : undefined);
    if (typeof m === 'string') return m;
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 500) || 'no details';
}
