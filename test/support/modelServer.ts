// A loopback stand-in for the model APIs the agents talk to, so the real agent
// CLIs and our HTTP providers run end to end with no model on the internet.
// What to answer is decided once, format-agnostically, from directives in the
// prompt (see planReply); each wire format (wire/*.ts) streams that plan in its
// own protocol. Every request is recorded so tests can check what was sent.
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { planReply, sendJson, type Conversation, type Gate, type Plan, type ReplyOptions, type WireFormat } from './plan';
import { anthropicMessages } from './wire/anthropic';
import { geminiGenerateContent } from './wire/gemini';
import { openaiChatCompletions } from './wire/openaiChat';
import { openaiResponses } from './wire/openaiResponses';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
  at: number;
  /** Remote port of the TCP connection: equal ports mean a reused connection. */
  remotePort?: number;
  wire?: string;
}

export const WIRES: WireFormat[] = [anthropicMessages, openaiResponses, openaiChatCompletions, geminiGenerateContent];

export class ModelServer {
  readonly requests: RecordedRequest[] = [];
  /** Delay between streamed events, to make streams observable. */
  eventDelayMs = 5;
  /** When set, every response body goes out in pieces of this many bytes, on separate ticks. */
  splitBytes = 0;
  /** How prompts without directives are answered (see ReplyOptions). */
  replyOptions: ReplyOptions = {};
  private server: http.Server | undefined;
  private readonly gates = new Map<string, Gate>();
  private readonly sockets = new Set<Socket>();
  private counter = 0;

  get url(): string {
    const addr = this.server?.address() as AddressInfo | undefined;
    if (!addr) throw new Error('model server not started');
    return `http://127.0.0.1:${addr.port}`;
  }

  /** Connections accepted so far (a reused keep-alive connection is counted once). */
  connections = 0;

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', (s) => {
      this.connections++;
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    for (const g of this.gates.values()) g.release();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Requests seen per FLAKY name. */
  private readonly flaky = new Map<string, number>();

  /** What to answer a conversation (every wire format asks here); FLAKY directives are counted here. */
  plan(c: Conversation): Plan {
    const flaky = /FLAKY:([\w-]+):(\d+):(\d{3})/.exec(c.userText);
    if (flaky) {
      const seen = (this.flaky.get(flaky[1]) ?? 0) + 1;
      this.flaky.set(flaky[1], seen);
      const retryAfter = /RETRY_AFTER:(\d+)/.exec(c.userText);
      if (seen <= Number(flaky[2])) return { kind: 'error', status: Number(flaky[3]), message: `Mock error (HTTP ${flaky[3]})`, retryAfter: retryAfter ? Number(retryAfter[1]) : undefined };
    }
    return planReply(c, this.replyOptions);
  }

  nextId(): number {
    return ++this.counter;
  }

  gate(name: string): Gate {
    let g = this.gates.get(name);
    if (!g) {
      let markReached!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((r) => (markReached = r));
      const released = new Promise<void>((r) => (release = r));
      g = { reached, markReached, released, release };
      this.gates.set(name, g);
    }
    return g;
  }

  /** Streaming conversation turns, of one wire format or all. */
  messageRequests(wire?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.wire && r.wire !== 'other' && (!wire || r.wire === wire) && isStreaming(r));
  }

  sleep(ms = this.eventDelayMs): Promise<void> {
    return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: any;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const wire = WIRES.find((w) => w.matches(method, url.pathname));
    this.requests.push({ method, path: url.pathname + url.search, headers: req.headers, body, at: Date.now(), remotePort: req.socket.remotePort, wire: wire?.name ?? 'other' });
    if (!wire) return sendJson(res, method === 'GET' || method === 'HEAD' ? 200 : 404, method === 'GET' ? {} : { error: { message: `no route ${url.pathname}` } });
    if (this.splitBytes > 0) splitWrites(res, this.splitBytes);
    let closed = false;
    const closedPromise = new Promise<void>((resolve) => res.once('close', () => ((closed = true), resolve())));
    try {
      await wire.handle({ server: this, req, res, path: url.pathname, query: url.searchParams, body, closed: closedPromise, isClosed: () => closed || res.destroyed });
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(err) } });
      else res.destroy();
    }
  }
}

/**
 * Makes `res` send what it is given in `size`-byte pieces, one per tick, so
 * clients see SSE frames and UTF-8 characters cut at awkward places, whatever
 * the wire format writes.
 */
function splitWrites(res: http.ServerResponse, size: number): void {
  const write = res.write.bind(res) as (chunk: Buffer) => boolean;
  const end = res.end.bind(res) as () => void;
  let queue = Promise.resolve();
  const enqueue = (chunk: unknown) => {
    if (chunk === undefined || chunk === null) return;
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    queue = queue.then(async () => {
      res.socket?.setNoDelay(true);
      for (let i = 0; i < bytes.length && !res.destroyed; i += size) {
        write(bytes.subarray(i, i + size));
        await new Promise((r) => setTimeout(r, 1));
      }
    });
  };
  (res as unknown as { write: (c: unknown) => boolean }).write = (chunk) => {
    enqueue(chunk);
    return true;
  };
  (res as unknown as { end: (c?: unknown) => http.ServerResponse }).end = (chunk) => {
    enqueue(typeof chunk === 'function' ? undefined : chunk);
    queue = queue.then(() => end());
    return res;
  };
}

function isStreaming(r: RecordedRequest): boolean {
  return r.body?.stream === true || /stream|alt=sse/i.test(r.path) || r.wire === 'openai-responses';
}


export { planReply, type Conversation, type Plan, type ReplyOptions, type WireContext, type WireFormat } from './plan';
