// The HTTP providers against the loopback model server over real sockets:
// streaming (also cut into 1- and 3-byte pieces), HTTP and in-stream errors,
// truncation, cancel, and keep-alive connection reuse.
import * as assert from 'node:assert/strict';
import type { AgentEvent, RunOutcome } from '../../src/core/agents/events';
import type { HttpProviderConfig } from '../../src/core/http/httpAgents';
import { AgentRun } from '../../src/core/run/agentRun';
import { createHttpProvider } from '../../src/httpProviders';

type DisposableProvider = ReturnType<typeof createHttpProvider>;
import { ModelServer } from '../support/modelServer';
import { waitFor } from '../support/processes';
import { startCli, texts } from '../cli/harness';

const KEY = 'sk-loopback-secret';

for (const kind of ['anthropic', 'openai'] as const) {
  describe(`${kind} provider over HTTP`, function () {
    this.timeout(30_000);
    let server: ModelServer;
    let provider: DisposableProvider;

    beforeEach(async () => {
      server = await new ModelServer().start();
      const config: HttpProviderConfig = { baseUrl: kind === 'anthropic' ? server.url : `${server.url}/v1`, model: 'mock-model', maxTokens: 256 };
      provider = createHttpProvider(kind, config, async () => KEY);
    });
    afterEach(async () => {
      provider.dispose();
      await server.close();
    });

    async function run(prompt: string, cancelWhen?: (e: AgentEvent) => boolean): Promise<{ events: AgentEvent[]; outcome: RunOutcome }> {
      const r = new AgentRun(provider, { prompt, cwd: '/', options: {} });
      const events: AgentEvent[] = [];
      r.onEvent((e) => {
        events.push(e.event);
        if (cancelWhen?.(e.event)) r.cancel();
      });
      return { events, outcome: await r.start() };
    }
    const text = (events: AgentEvent[]) => events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');

    it('streams an answer and sends the key only in the header', async () => {
      const { events, outcome } = await run('Say hello');
      assert.equal(outcome.status, 'succeeded', outcome.message);
      assert.equal(text(events), 'Hello from the loopback model.');
      assert.ok(events.filter((e) => e.type === 'text').length >= 3);
      assert.ok(events.some((e) => e.type === 'usage'));
      const req = server.messageRequests(kind === 'anthropic' ? 'anthropic' : 'openai-chat')[0];
      assert.equal(req.body.stream, true);
      assert.equal(req.body.model, 'mock-model');
      assert.equal(kind === 'anthropic' ? req.headers['x-api-key'] : req.headers.authorization, kind === 'anthropic' ? KEY : `Bearer ${KEY}`);
      assert.ok(!JSON.stringify(req.body).includes(KEY), 'the key leaked into the body');
    });

    for (const split of [1, 3]) {
      it(`reassembles SSE frames and UTF-8 characters cut into ${split}-byte pieces`, async () => {
        server.splitBytes = split;
        server.eventDelayMs = 0;
        const { events, outcome } = await run('UNICODE');
        assert.equal(outcome.status, 'succeeded', outcome.message);
        assert.equal(text(events), 'Grüße, 世界 🎉 — naïve café');
      });
    }

    it('shows a tool call the model makes, with its input parsed', async () => {
      const { events, outcome } = await run('RUN_TOOL: run echo hi');
      assert.equal(outcome.status, 'succeeded');
      const tool = events.find((e) => e.type === 'tool-use');
      assert.ok(tool?.type === 'tool-use');
      assert.deepEqual((tool.input as { command: string }).command, 'echo hi');
    });

    it('turns an HTTP 401 into a message that says what to do', async () => {
      const { outcome } = await run('API_ERROR:401');
      assert.equal(outcome.status, 'failed');
      assert.match(outcome.message!, /401/);
      assert.match(outcome.message!, /Set API Key|API key/);
    });

    it('fails on an error inside the stream and keeps the partial answer', async () => {
      const { events, outcome } = await run('STREAM_ERROR');
      assert.equal(outcome.status, 'failed');
      assert.match(outcome.message!, /Overloaded/);
      assert.equal(text(events), 'Partial answer');
    });

    it('fails when the connection drops mid-answer, keeping what arrived', async () => {
      const { events, outcome } = await run('CUT_STREAM');
      assert.equal(outcome.status, 'failed');
      assert.match(outcome.message!, /cut off/);
      assert.equal(text(events), 'This answer will be cut');
    });

    it('cancels mid-stream and closes the connection', async () => {
      const { outcome } = await run('HANG', (e) => e.type === 'text');
      assert.equal(outcome.status, 'cancelled');
      assert.ok(await waitFor(() => server.connections > 0 && (server as unknown as { sockets: Set<unknown> }).sockets.size === 0, 20_000), 'the connection stayed open');
    });

    it('reuses one keep-alive connection for consecutive runs', async () => {
      await run('one');
      await run('two');
      await run('three');
      const turns = server.messageRequests();
      assert.equal(turns.length, 3);
      assert.equal(server.connections, 1, 'each run opened a new connection');
      assert.equal(new Set(turns.map((t) => t.remotePort)).size, 1);
    });
  });
}

describe('API agents from the headless CLI', function () {
  this.timeout(30_000);
  let server: ModelServer;
  before(async () => (server = await new ModelServer().start()));
  after(async () => server.close());

  it('runs anthropic with the key from ANTHROPIC_API_KEY and a canonical model name', async () => {
    const s = startCli(['run', '--agent', 'anthropic', '--json', '--base-url', server.url, '--model', 'haiku', 'Say hello'], { cwd: '/', env: { ANTHROPIC_API_KEY: KEY } });
    const r = await s.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(texts(r.events), 'Hello from the loopback model.');
    assert.equal(server.messageRequests('anthropic').at(-1)!.body.model, 'claude-haiku-4-5-20251001');
  });

  it('says how to provide a missing key', async () => {
    const s = startCli(['run', '--agent', 'anthropic', '--base-url', server.url, 'hi'], { cwd: '/', env: { ANTHROPIC_API_KEY: undefined } });
    const r = await s.done;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No Anthropic API key is set.*ANTHROPIC_API_KEY/);
  });

  it('runs an OpenAI-compatible server without a key (as Ollama needs none)', async () => {
    const s = startCli(['run', '--agent', 'openai', '--json', '--base-url', `${server.url}/v1`, '--model', 'llama3.1', 'Say hello'], { cwd: '/', env: { OPENAI_API_KEY: undefined } });
    const r = await s.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(texts(r.events), 'Hello from the loopback model.');
    const req = server.messageRequests('openai-chat').at(-1)!;
    assert.equal(req.body.model, 'llama3.1');
    assert.equal(req.headers.authorization, undefined);
  });

  it('explains an unreachable server', async () => {
    const s = startCli(['run', '--agent', 'openai', '--base-url', 'http://127.0.0.1:9/v1', 'hi'], { cwd: '/' });
    const r = await s.done;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Could not reach .*127\.0\.0\.1:9.*base URL/);
  });
});

describe('HttpClient connection routing', () => {
  it('recognises loopback base URLs (no proxy applies there)', async () => {
    const { isLoopbackUrl } = await import('../../src/core/http/httpClient');
    for (const u of ['http://localhost:11434/v1', 'http://127.0.0.1:8000', 'http://[::1]:1234/v1', 'http://127.1.2.3']) assert.equal(isLoopbackUrl(u), true, u);
    for (const u of ['https://api.anthropic.com', 'http://10.0.0.5:8000', 'http://localhost.example.com', 'not a url']) assert.equal(isLoopbackUrl(u), false, u);
  });

  it('direct requests skip a patched http.request (as VS Code patches it for proxies); others go through it', async () => {
    // The module object itself (an import would give a read-only namespace of getters over it).
    const http = require('node:http') as typeof import('node:http');
    const { HttpClient, readText } = await import('../../src/core/http/httpClient');
    const server = await new ModelServer().start();
    const original = http.request;
    let patchedCalls = 0;
    http.request = ((...args: Parameters<typeof http.request>) => {
      patchedCalls++;
      return original(...args);
    }) as typeof http.request;
    try {
      const signal = new AbortController().signal;
      const body = { messages: [{ role: 'user', content: 'x' }] };
      const direct = new HttpClient(server.url);
      await readText((await direct.postJson('v1/messages', body, {}, signal)).body);
      assert.equal(patchedCalls, 0, 'a loopback client went through the patched request');
      const proxied = new HttpClient(server.url, { direct: false });
      await readText((await proxied.postJson('v1/messages', body, {}, signal)).body);
      assert.equal(patchedCalls, 1);
      direct.dispose();
      proxied.dispose();
    } finally {
      http.request = original;
      await server.close();
    }
  });
});
