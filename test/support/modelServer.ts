// A loopback stand-in for the Anthropic Messages API, so the real agent CLIs can
// run end to end with no model on the internet. Replies are deterministic and
// chosen by directives in the prompt:
//   RUN_TOOL: run echo X   answer with a Bash tool call, then report its result
//   GATE:name              stream a few deltas, then hold until release(name)
//   HANG                   stream one delta, then hold until the client goes away
//   CUT_STREAM             stream a few deltas, then drop the connection
//   API_ERROR:401          answer with that HTTP status and an error body
//   LONG_OUTPUT:n          stream n lines of markdown
//   XSS                    markdown carrying HTML and script that must not run
//   (anything else)        a short greeting
// Every request is recorded so tests can check what the CLI sent back.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
  at: number;
}

interface Gate {
  reached: Promise<void>;
  markReached(): void;
  released: Promise<void>;
  release(): void;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export class ModelServer {
  readonly requests: RecordedRequest[] = [];
  private server: http.Server | undefined;
  private readonly gates = new Map<string, Gate>();
  private readonly sockets = new Set<import('node:net').Socket>();
  private counter = 0;
  /** Delay between SSE events, to make streams observable. */
  eventDelayMs = 5;

  get url(): string {
    const addr = this.server?.address() as AddressInfo | undefined;
    if (!addr) throw new Error('model server not started');
    return `http://127.0.0.1:${addr.port}`;
  }

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
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

  gate(name: string): Gate {
    let g = this.gates.get(name);
    if (!g) {
      const reached = deferred();
      const released = deferred();
      g = { reached: reached.promise, markReached: reached.resolve, released: released.promise, release: released.resolve };
      this.gates.set(name, g);
    }
    return g;
  }

  /** Streaming message requests (what the agent's conversation turns are). */
  messageRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/v1/messages') && r.body?.stream === true);
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
    const path = (req.url ?? '/').split('?')[0];
    this.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body, at: Date.now() });

    if (req.method !== 'POST') return json(res, 200, {});
    if (path.endsWith('/count_tokens')) return json(res, 200, { input_tokens: 42 });
    if (!path.startsWith('/v1/messages')) return json(res, 404, { type: 'error', error: { type: 'not_found_error', message: `no route ${path}` } });

    const prompt = userText(body);
    const apiError = /API_ERROR:(\d{3})/.exec(prompt);
    if (apiError) {
      const status = Number(apiError[1]);
      const type = status === 401 ? 'authentication_error' : status === 429 ? 'rate_limit_error' : 'api_error';
      return json(res, status, { type: 'error', error: { type, message: `Mock ${type} (HTTP ${status})` } }, { 'request-id': 'req_mock' });
    }
    const model = typeof body?.model === 'string' ? body.model : 'claude-mock';
    if (body?.stream !== true) {
      return json(res, 200, {
        id: `msg_mock${++this.counter}`,
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text: 'ok' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 1 },
      });
    }
    await this.stream(req, res, body, prompt, model);
  }

  private async stream(req: http.IncomingMessage, res: http.ServerResponse, body: any, prompt: string, model: string): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let closed = false;
    res.on('close', () => (closed = true));
    const send = async (event: string, data: object) => {
      if (closed) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
      if (this.eventDelayMs) await sleep(this.eventDelayMs);
    };
    const id = `msg_mock${String(++this.counter).padStart(4, '0')}`;
    await send('message_start', {
      message: { id, type: 'message', role: 'assistant', content: [], model, stop_reason: null, stop_sequence: null, usage: { input_tokens: 25, output_tokens: 1 } },
    });
    let index = 0;
    let outputTokens = 0;
    const text = async (parts: string[]) => {
      await send('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const p of parts) {
        await send('content_block_delta', { index, delta: { type: 'text_delta', text: p } });
        outputTokens += 1;
      }
      await send('content_block_stop', { index });
      index++;
    };
    const finish = async (stopReason: string) => {
      await send('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens + 10 } });
      await send('message_stop', {});
      res.end();
    };

    const toolResult = lastToolResult(body);
    const runTool = /RUN_TOOL: run (echo [^\n"]*)/.exec(prompt);
    const gate = /GATE:([\w-]+)/.exec(prompt);
    if (runTool && toolResult !== undefined) {
      await text(['The command printed: ', toolResult.trim()]);
      return finish('end_turn');
    }
    if (runTool) {
      await text(["I'll run the command."]);
      const input = JSON.stringify({ command: runTool[1].trim(), description: 'Print a word' });
      await send('content_block_start', { index, content_block: { type: 'tool_use', id: `toolu_mock${this.counter}`, name: 'Bash', input: {} } });
      await send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: input.slice(0, 10) } });
      await send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: input.slice(10) } });
      await send('content_block_stop', { index });
      return finish('tool_use');
    }
    if (gate) {
      const g = this.gate(gate[1]);
      await send('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const p of ['Alpha ', 'Beta ', 'Gamma ']) await send('content_block_delta', { index, delta: { type: 'text_delta', text: p } });
      g.markReached();
      // Keep the connection visibly alive while held, as the real API does.
      const pinger = setInterval(() => !closed && res.write('event: ping\ndata: {"type":"ping"}\n\n'), 1000);
      await Promise.race([g.released, onClose(req, res)]);
      clearInterval(pinger);
      await send('content_block_delta', { index, delta: { type: 'text_delta', text: 'Delta: released.' } });
      await send('content_block_stop', { index });
      index++;
      return finish('end_turn');
    }
    if (/\bHANG\b/.test(prompt)) {
      await send('content_block_start', { index, content_block: { type: 'text', text: '' } });
      await send('content_block_delta', { index, delta: { type: 'text_delta', text: 'Working on it' } });
      const pinger = setInterval(() => !closed && res.write('event: ping\ndata: {"type":"ping"}\n\n'), 1000);
      await onClose(req, res);
      clearInterval(pinger);
      return;
    }
    if (/\bCUT_STREAM\b/.test(prompt)) {
      await send('content_block_start', { index, content_block: { type: 'text', text: '' } });
      await send('content_block_delta', { index, delta: { type: 'text_delta', text: 'This answer will be cut' } });
      res.socket?.destroy();
      return;
    }
    if (/\bXSS\b/.test(prompt)) {
      await text([
        '**Bold** text. <img src=x onerror="window.__agentRelayPwned=1"> ',
        '<script>window.__agentRelayPwned=2</script> ',
        '[click](javascript:window.__agentRelayPwned=3) after the payload.',
      ]);
      return finish('end_turn');
    }
    const long = /LONG_OUTPUT:(\d+)/.exec(prompt);
    if (long) {
      const lines = Array.from({ length: Number(long[1]) }, (_, i) => `Line ${i + 1}: the quick brown fox.\n\n`);
      await text(lines);
      return finish('end_turn');
    }
    await text(['Hello', ' from the', ' loopback model.']);
    return finish('end_turn');
  }
}

/** All text the user side of the conversation contains (prompts, not tool results). */
function userText(body: any): string {
  const out: string[] = [];
  for (const m of Array.isArray(body?.messages) ? body.messages : []) {
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') out.push(m.content);
    else for (const c of Array.isArray(m.content) ? m.content : []) if (c?.type === 'text') out.push(String(c.text));
  }
  return out.join('\n');
}

/** The text of the newest tool_result, if the last user message carries one. */
function lastToolResult(body: any): string | undefined {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  const last = messages[messages.length - 1];
  if (last?.role !== 'user' || !Array.isArray(last.content)) return undefined;
  const tr = last.content.find((c: any) => c?.type === 'tool_result');
  if (!tr) return undefined;
  if (typeof tr.content === 'string') return tr.content;
  return (Array.isArray(tr.content) ? tr.content : []).map((c: any) => c?.text ?? '').join('');
}

function json(res: http.ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function onClose(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || req.socket.destroyed) return resolve();
    res.once('close', () => resolve());
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
