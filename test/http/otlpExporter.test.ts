// The exporter against a loopback OTLP receiver: what it sends decodes, a
// collector that is down or busy loses nothing (and gets nothing twice), one
// that rejects the payload drops it, and the pending runs stay bounded.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { HISTORY_SCHEMA, type HistoryRecord } from '../../src/core/history/historyRecord';
import type { Logger } from '../../src/core/log';
import { OtlpExporter } from '../../src/core/metrics/otlp';
import { OtlpReceiver } from '../support/otlpReceiver';

let n = 0;
function rec(extra: Partial<HistoryRecord> = {}): HistoryRecord {
  n++;
  return { schema: HISTORY_SCHEMA, id: `r${n}`, agentId: 'gemini', agentName: 'Gemini CLI', prompt: 'p', fullPrompt: 'p', cwd: '/w', status: 'succeeded', createdAt: n, finishedAt: n, durationMs: 100, answerChars: 1, events: 2, outputTokens: 10, ...extra };
}

function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (m: string) => void lines.push(m);
  return { lines, trace: push, debug: push, info: push, warn: push, error: push };
}

const runs = (r: OtlpReceiver) => r.points().filter((p) => p.metric === 'agent_relay.run.count').reduce((a, p) => a + p.value, 0);

describe('OTLP exporter against a loopback receiver', () => {
  let receiver: OtlpReceiver;
  beforeEach(async () => (receiver = await OtlpReceiver.start()));
  afterEach(() => receiver.close());

  it('sends every interval with its headers, in consecutive delta windows', async () => {
    const exporter = new OtlpExporter({ endpoint: receiver.url, headers: { 'x-api-key': 'k1' }, serviceVersion: '1.2.3', intervalMs: 50, logger: memoryLogger() });
    try {
      exporter.record(rec());
      exporter.record(rec());
      await receiver.until((r) => runs(r) === 2, 10_000);
      exporter.record(rec({ status: 'failed' }));
      await receiver.until((r) => runs(r) === 3, 10_000);
      assert.equal(receiver.requests[0].path, '/v1/metrics');
      assert.equal(receiver.requests[0].headers['x-api-key'], 'k1');
      assert.equal(receiver.requests[0].resource['service.version'], '1.2.3');
      // Each exporter is its own writer of the delta streams.
      assert.match(String(receiver.requests[0].resource['service.instance.id']), /^[0-9a-f-]{36}$/);
      assert.equal(receiver.requests[1].resource['service.instance.id'], receiver.requests[0].resource['service.instance.id']);
      const [a, b] = receiver.requests.map((r) => r.points[0]);
      assert.equal(b.startNs, a.timeNs, 'the second window starts where the first ended');
      await exporter.flush(); // the send under way has its answer
      assert.equal(exporter.status.sentRuns, 3);
    } finally {
      await exporter.close();
    }
  });

  it('keeps the runs while the collector is busy or down and sends them once, later', async () => {
    const exporter = new OtlpExporter({ endpoint: receiver.url, serviceVersion: '1', intervalMs: 3_600_000, logger: memoryLogger() });
    receiver.statuses.push(503, 429);
    exporter.record(rec());
    await exporter.flush();
    exporter.record(rec());
    await exporter.flush();
    assert.equal(receiver.requests.length, 0);
    assert.match(exporter.status.lastError ?? '', /HTTP 429/);
    await exporter.close();
    assert.equal(receiver.requests.length, 1);
    assert.equal(runs(receiver), 2, 'both runs, once');
    assert.equal(exporter.status.lastError, undefined);
  });

  it('drops a payload the collector rejects (400, or 500, which OTLP/HTTP does not retry), and says so in the log', async () => {
    const logger = memoryLogger();
    const exporter = new OtlpExporter({ endpoint: `${receiver.url}/v1/metrics`, serviceVersion: '1', intervalMs: 3_600_000, logger });
    receiver.statuses.push(400, 500);
    exporter.record(rec());
    await exporter.flush();
    exporter.record(rec());
    await exporter.flush();
    exporter.record(rec());
    await exporter.close();
    assert.equal(runs(receiver), 1, 'only the run after the rejected ones');
    assert.equal(exporter.status.droppedRuns, 2);
    assert.ok(logger.lines.some((l) => /HTTP 400; those runs are dropped/.test(l)), logger.lines.join('\n'));
  });

  it('bounds what it keeps for a collector that cannot be reached', async () => {
    // A port nothing listens on: take one and close it.
    const probe = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => probe.once('listening', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const logger = memoryLogger();
    const exporter = new OtlpExporter({ endpoint: `http://127.0.0.1:${port}`, serviceVersion: '1', intervalMs: 3_600_000, maxPending: 5, logger });
    for (let i = 0; i < 8; i++) exporter.record(rec());
    await exporter.flush();
    exporter.record(rec());
    await exporter.flush();
    assert.equal(exporter.status.droppedRuns, 4, 'the oldest beyond five');
    assert.match(exporter.status.lastError ?? '', /ECONNREFUSED/);
    assert.ok(logger.lines.some((l) => /will try again/.test(l)));
    await exporter.close();
  });

  it('does not hold up an exit for a collector that never answers', async () => {
    // Takes the request and never answers: close gives up after its deadline instead of waiting for the send.
    const silent = http.createServer(() => undefined).listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    const held = new Promise((r) => silent.once('request', r));
    const exporter = new OtlpExporter({ endpoint: `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, serviceVersion: '1', intervalMs: 3_600_000, timeoutMs: 3_600_000, logger: memoryLogger() });
    try {
      exporter.record(rec());
      const closing = exporter.close(200);
      await held;
      await closing;
      assert.equal(exporter.status.sentRuns, 0);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
