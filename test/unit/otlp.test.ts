import * as assert from 'node:assert/strict';
import { HISTORY_SCHEMA, type HistoryRecord } from '../../src/core/history/historyRecord';
import { MetricsBatch, otlpHeaders, otlpMetricsUrl } from '../../src/core/metrics/otlp';
import { decodeOtlp } from '../support/otlpReceiver';

let n = 0;
function rec(extra: Partial<HistoryRecord> = {}): HistoryRecord {
  n++;
  return { schema: HISTORY_SCHEMA, id: `r${n}`, agentId: 'claude', agentName: 'Claude Code', prompt: 'secret prompt', fullPrompt: 'secret prompt', cwd: '/home/me/project', status: 'succeeded', createdAt: n, finishedAt: n * 1000, durationMs: 1200, answerChars: 10, events: 3, ...extra };
}

describe('OTLP metrics', () => {
  it('sends to /v1/metrics under a base URL, and to a URL with a path as it is; refuses other schemes and credentials in the URL', () => {
    assert.equal(otlpMetricsUrl('http://localhost:4318'), 'http://localhost:4318/v1/metrics');
    assert.equal(otlpMetricsUrl(' https://collector.example/ '), 'https://collector.example/v1/metrics');
    assert.equal(otlpMetricsUrl('https://collector.example/otlp/v1/metrics'), 'https://collector.example/otlp/v1/metrics');
    assert.throws(() => otlpMetricsUrl('file:///etc/passwd'), /http:\/\/ or https:\/\//);
    assert.throws(() => otlpMetricsUrl('http://user:pw@localhost:4318'), /headers/);
    assert.throws(() => otlpMetricsUrl('not a url'), /is not a URL; give one like http:\/\/localhost:4318/);
  });

  it('takes headers from a setting object or the OpenTelemetry string form, dropping invalid ones', () => {
    assert.deepEqual(otlpHeaders({ 'x-api-key': 'k1', 'bad name': 'v', 'Content-Type': 'text/plain', evil: 'a\r\nInjected: 1', n: 5 }), { 'x-api-key': 'k1' });
    assert.deepEqual(otlpHeaders('Authorization=Bearer%20abc, x-team = core ,broken,=novalue,bad=%E0%A4%A'), { Authorization: 'Bearer abc', 'x-team': 'core' });
    assert.deepEqual(otlpHeaders(['a=b']), {});
    assert.deepEqual(otlpHeaders(undefined), {});
  });

  it('adds runs up into delta sums and histograms that decode as OTLP, with nothing of the prompt or path', () => {
    const batch = new MetricsBatch();
    batch.add(rec({ inputTokens: 100, outputTokens: 40, costUsd: 0.25, metrics: { firstOutputMs: 300, queueWaitMs: 2, detectionMs: 40, detectionCached: false, spawnToFirstByteMs: 120, forwardingP95Ms: 20, charsPerSec: 500, providerCreationMs: 1.5, providerCached: false } }));
    batch.add(rec({ inputTokens: 50, outputTokens: 10, durationMs: 70_000, metrics: { firstOutputMs: 900, detectionMs: 0.1, detectionCached: true } }));
    batch.add(rec({ status: 'failed', durationMs: 5 }));
    // A cache hit counts as a run and a lookup; its "first output" is not an agent's.
    batch.add(rec({ cache: 'hit', durationMs: 3, metrics: { cacheLookupMs: 3, firstOutputMs: 3 } }));
    batch.add(rec({ agentId: 'codex', agentName: 'Codex', outputTokens: 7, metrics: { firstOutputMs: -1 } }));
    const payload = batch.toOtlp({ serviceVersion: '9.9.9' }, 1_000, 61_000);
    assert.doesNotMatch(JSON.stringify(payload), /secret prompt|\/home\/me/);
    const { resource, points } = decodeOtlp(JSON.parse(JSON.stringify(payload)));
    assert.deepEqual(resource, { 'service.name': 'agent-relay', 'service.version': '9.9.9' });
    assert.ok(points.every((p) => p.startNs === 1_000_000_000n && p.timeNs === 61_000_000_000n));
    const find = (metric: string, a: Record<string, string | boolean>) => points.filter((p) => p.metric === metric && Object.entries(a).every(([k, v]) => p.attributes[k] === v));
    assert.deepEqual(find('agent_relay.run.count', { 'agent.id': 'claude' }).map((p) => [p.attributes['run.status'], p.attributes['cache.result'], p.value]).sort(), [['failed', undefined, 1], ['succeeded', 'hit', 1], ['succeeded', undefined, 2]].sort());
    assert.equal(find('agent_relay.token.usage', { 'agent.id': 'claude', type: 'input' })[0].value, 150);
    assert.equal(find('agent_relay.token.usage', { 'agent.id': 'codex', type: 'output' })[0].value, 7);
    assert.deepEqual(find('agent_relay.cost.usage', {}).map((p) => [p.attributes['agent.id'], p.value, p.unit]), [['claude', 0.25, 'USD']]);
    const [first] = find('agent_relay.run.first_output', { 'agent.id': 'claude' });
    assert.deepEqual([first.count, first.value, first.min, first.max, first.unit], [2, 1200, 300, 900, 'ms']);
    assert.equal(first.buckets![first.bounds!.indexOf(500)], 1, 'the 300 ms run is in the (250, 500] bucket');
    assert.equal(find('agent_relay.run.first_output', { 'agent.id': 'codex' }).length, 0, 'a negative value is not recorded');
    const detection = find('agent_relay.cli.detection', {});
    assert.deepEqual(detection.map((p) => [p.attributes.cached, p.count]).sort(), [[false, 1], [true, 1]]);
    const duration = find('agent_relay.run.duration', { 'agent.id': 'claude', 'run.status': 'succeeded' })[0];
    assert.equal(duration.count, 3);
    assert.equal(duration.buckets![duration.bounds!.indexOf(120_000)], 1, 'the 70 s run is in the (60 s, 120 s] bucket');
    assert.equal(find('agent_relay.cache.lookup', {})[0].value, 3);
    assert.deepEqual(find('agent_relay.provider.creation', {}).map((p) => [p.attributes.cached, p.value]), [[false, 1.5]]);
    assert.equal(batch.records, 5);
  });

  it('puts a value over the last bound in the overflow bucket', () => {
    const batch = new MetricsBatch();
    batch.add(rec({ durationMs: 10_000_000 }));
    const [d] = decodeOtlp(batch.toOtlp({ serviceVersion: '1' }, 0, 1)).points.filter((p) => p.metric === 'agent_relay.run.duration');
    assert.equal(d.buckets!.at(-1), 1);
  });
});
