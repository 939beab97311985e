// A run as the extension and the headless CLI assemble it (core/run/assembly),
// against the real HTTP providers and a loopback server: retries of transient
// failures and the rate limit, end to end over real sockets.
import * as assert from 'node:assert/strict';
import type { AgentEvent } from '../../src/core/agents/events';
import { nullLogger } from '../../src/core/log';
import { Detector } from '../../src/core/locate/detector';
import { ProviderCache } from '../../src/core/providers/providerCache';
import { createRun, type RunServices } from '../../src/core/run/assembly';
import { AgentCatalog } from '../../src/core/run/catalog';
import { RateLimits } from '../../src/core/run/rateLimit';
import { RunQueue } from '../../src/core/run/runQueue';
import { RunRegistry } from '../../src/core/run/runRegistry';
import type { RunSpec } from '../../src/core/run/runSpec';
import { createHttpProvider } from '../../src/httpProviders';
import { ModelServer } from '../support/modelServer';

describe('runs of the model APIs: retries and rate limits', function () {
  this.timeout(60_000);
  let server: ModelServer;
  let providers: ProviderCache;
  let services: RunServices;

  before(async () => (server = await new ModelServer().start()));
  after(async () => server?.close());
  beforeEach(() => {
    providers = new ProviderCache();
    services = {
      catalog: new AgentCatalog(),
      providers,
      detect: (spec, scope, hints) => new Detector().detect(spec, scope, hints),
      httpProviders: () => createHttpProvider,
      apiKey: async () => 'sk-loopback',
      responseCache: async () => undefined,
      rateLimits: new RateLimits(),
      logger: () => nullLogger,
    };
  });
  afterEach(() => providers.clear());

  function spec(agentId: 'anthropic' | 'openai', prompt: string, extra: Partial<RunSpec> = {}, requestsPerMinute = 0): RunSpec {
    const baseUrl = agentId === 'anthropic' ? server.url : `${server.url}/v1`;
    return {
      agentId,
      prompt,
      title: { prompt },
      cwd: process.cwd(),
      scope: 'test',
      timeoutMs: 0,
      retries: 2,
      maxPromptKilobytes: 512,
      cache: 'off',
      http: { config: { baseUrl, model: 'm', maxTokens: 64 }, requestsPerMinute },
      ...extra,
    };
  }

  async function runToEnd(s: RunSpec) {
    const run = createRun(s, services);
    const events: AgentEvent[] = [];
    run.onEvent((e) => events.push(e.event));
    const outcome = await run.start();
    return { outcome, events };
  }

  const requestsWith = (marker: string) => server.messageRequests().filter((r) => JSON.stringify(r.body).includes(marker));

  for (const agentId of ['anthropic', 'openai'] as const) {
    it(`${agentId}: a 529 with Retry-After: 1, then success: exactly one retry, not sooner than 1 s after`, async () => {
      const marker = `FLAKY:${agentId}-529:1:529 RETRY_AFTER:1`;
      const { outcome, events } = await runToEnd(spec(agentId, `Hello ${marker}`));
      assert.equal(outcome.status, 'succeeded', outcome.message);
      assert.equal(outcome.attempts, 2);
      const reqs = requestsWith(marker);
      assert.equal(reqs.length, 2);
      assert.ok(reqs[1].at - reqs[0].at >= 1000, `retried after ${reqs[1].at - reqs[0].at} ms`);
      const retries = events.filter((e) => e.type === 'retry');
      assert.equal(retries.length, 1);
      assert.deepEqual(retries[0], { type: 'retry', attempt: 2, maxAttempts: 3, delayMs: 1000, reason: '529 overloaded' });
      assert.ok(!events.some((e) => e.type === 'error'), 'the mended failure was shown as an error');
    });
  }

  it('a 401 is not retried', async () => {
    const { outcome, events } = await runToEnd(spec('anthropic', 'API_ERROR:401 auth-once'));
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.httpStatus, 401);
    assert.equal(requestsWith('auth-once').length, 1);
    assert.ok(!events.some((e) => e.type === 'retry'));
    assert.ok(events.some((e) => e.type === 'error'), 'the failure is shown');
  });

  it('an overloaded error after the first streamed bytes is not retried', async () => {
    const { outcome, events } = await runToEnd(spec('anthropic', 'STREAM_ERROR mid-stream-once'));
    assert.equal(outcome.status, 'failed');
    assert.equal(requestsWith('mid-stream-once').length, 1);
    assert.ok(events.some((e) => e.type === 'text'), 'the partial answer stays');
    assert.ok(!events.some((e) => e.type === 'retry'));
  });

  it('a refused connection is retried, then reported when it persists', async () => {
    const closed = await new ModelServer().start();
    const url = closed.url;
    await closed.close();
    const s = spec('openai', 'Hello', { retries: 1 });
    s.http!.config.baseUrl = `${url}/v1`;
    const { outcome, events } = await runToEnd(s);
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.attempts, 2);
    assert.equal(events.filter((e) => e.type === 'retry').length, 1);
    assert.match(String(events.find((e) => e.type === 'retry')?.type === 'retry' && (events.find((e) => e.type === 'retry') as { reason: string }).reason), /connection refused/);
    assert.match(outcome.message ?? '', /Could not reach/);
  });

  it('a rate limit of 60 a minute spaces three runs\' first requests at least 1 s apart, and they say so', async () => {
    const registry = new RunRegistry({ queue: new RunQueue({ maxConcurrent: 3 }) });
    const runs = ['one', 'two', 'three'].map((n) => registry.submit(createRun(spec('openai', `rate-limited ${n}`, {}, 60), services)));
    const waits = runs.map(() => [] as AgentEvent[]);
    runs.forEach((r, i) => r.onEvent((e) => e.event.type === 'waiting' && waits[i].push(e.event)));
    const outcomes = await Promise.all(runs.map((r) => r.done));
    assert.deepEqual(outcomes.map((o) => o.status), ['succeeded', 'succeeded', 'succeeded']);
    const at = requestsWith('rate-limited').map((r) => r.at).sort((a, b) => a - b);
    assert.equal(at.length, 3);
    // The limiter lets a request go a full second after the one before really went; the server's
    // clock (Date.now, whole milliseconds) sees it a little later or earlier, by loopback latency.
    const TOLERANCE_MS = 5;
    assert.ok(at[1] - at[0] >= 1000 - TOLERANCE_MS && at[2] - at[1] >= 1000 - TOLERANCE_MS, `requests at +0, +${at[1] - at[0]}, +${at[2] - at[0]} ms`);
    assert.equal(waits[0].length, 0, 'the first run did not have to wait');
    assert.ok(waits[1].length === 1 && waits[2].length === 1, 'a waiting run says so');
  });
});
