import * as assert from 'node:assert/strict';
import { HISTORY_SCHEMA, parseHistoryRecord, type HistoryRecord, type RunMetricsRecord } from '../../src/core/history/historyRecord';
import { degradations, performanceCsv, performanceMarkdown, performanceReport } from '../../src/core/metrics/performanceReport';

let n = 0;
function rec(agentId: string, metrics: RunMetricsRecord, extra: Partial<HistoryRecord> = {}): HistoryRecord {
  n++;
  return { schema: HISTORY_SCHEMA, id: `r${n}`, agentId, agentName: agentId, prompt: 'p', fullPrompt: 'p', cwd: '/w', status: 'succeeded', createdAt: n, finishedAt: n * 1000, durationMs: 1, answerChars: 1, events: 1, metrics, ...extra };
}

describe('performance report and alerts', () => {
  it('gives exact p50/p95/p99 per agent and metric; cache hits count only for the lookup', () => {
    const records = [...Array.from({ length: 100 }, (_, i) => rec('claude', { firstOutputMs: i + 1, cacheLookupMs: 2 })), rec('claude', { firstOutputMs: 99999, cacheLookupMs: 4 }, { cache: 'hit' }), rec('codex', { firstOutputMs: 7 })];
    const rows = performanceReport(records);
    const first = rows.find((r) => r.agentId === 'claude' && r.metric === 'firstOutputMs')!;
    assert.deepEqual(first, { agentId: 'claude', metric: 'firstOutputMs', runs: 100, p50: 50, p95: 95, p99: 99 });
    assert.equal(rows.find((r) => r.agentId === 'claude' && r.metric === 'cacheLookupMs')!.runs, 101);
    assert.deepEqual(rows.filter((r) => r.agentId === 'codex').map((r) => [r.metric, r.p50]), [['firstOutputMs', 7]]);
    const csv = performanceCsv(rows).split('\r\n');
    assert.equal(csv[0], 'agent,metric,runs,p50,p95,p99');
    assert.ok(csv.includes('claude,firstOutputMs,100,50,95,99'));
    assert.match(performanceMarkdown(rows), /\| claude \| first output \(ms\) \| 100 \| 50 \| 95 \| 99 \|/);
    assert.equal(performanceCsv(performanceReport([rec('=cmd', { firstOutputMs: 1 })])).split('\r\n')[1].split(',')[0], "'=cmd");
  });

  it('alerts once an agent\'s recent p95 is over its own baseline by the threshold, not for noise', () => {
    const steady = Array.from({ length: 20 }, (_, i) => rec('gemini', { firstOutputMs: 1000 + (i % 5) * 40 }));
    const noisy = [...steady, ...Array.from({ length: 5 }, (_, i) => rec('gemini', { firstOutputMs: 1100 + i * 20 }))];
    assert.deepEqual(degradations(noisy, 'gemini', { threshold: 0.5 }), [], 'noise within the threshold');
    const slow = [...steady, ...Array.from({ length: 5 }, () => rec('gemini', { firstOutputMs: 2500 }))];
    const [d] = degradations(slow, 'gemini', { threshold: 0.5 });
    assert.deepEqual([d.metric, d.recentP50, d.baselineP95], ['firstOutputMs', 2500, 1160]);
    // One slow run among the latest five is noise.
    const outlier = [...steady, ...[1050, 1100, 9000, 1080, 1120].map((ms) => rec('gemini', { firstOutputMs: ms }))];
    assert.deepEqual(degradations(outlier, 'gemini', { threshold: 0.5 }), []);
    assert.deepEqual(degradations(slow, 'gemini', { threshold: 0 }), [], 'a threshold of 0 is off');
    assert.deepEqual(degradations(slow.slice(-12), 'gemini', { threshold: 0.5 }), [], 'too few runs for a baseline');
    // A few milliseconds more is not a degradation, whatever the ratio.
    const tiny = [...Array.from({ length: 20 }, () => rec('opencode', { cacheLookupMs: 2 })), ...Array.from({ length: 5 }, () => rec('opencode', { cacheLookupMs: 9 }))];
    assert.deepEqual(degradations(tiny, 'opencode', { threshold: 0.5 }), []);
  });

  it('reads metrics back from disk as numbers only', () => {
    const r = rec('claude', { firstOutputMs: 12, detectionCached: true, forwardingP99Ms: 30 });
    const back = parseHistoryRecord(Buffer.from(JSON.stringify({ ...r, metrics: { ...r.metrics, queueWaitMs: '1e9', retries: -1, eventsPerSec: Infinity, evil: 5 } })));
    assert.deepEqual(back?.metrics, { firstOutputMs: 12, forwardingP99Ms: 30, detectionCached: true });
    assert.equal(parseHistoryRecord(Buffer.from(JSON.stringify({ ...r, metrics: 'x' })))?.metrics, undefined);
  });
});

describe('Doctor health from the history', () => {
  it('gives cold and cached detection per agent and groups failures by cause', async () => {
    const { recentHealth, failureCause } = await import('../../src/core/metrics/performanceReport');
    const records = [
      rec('claude', { detectionMs: 40, detectionCached: false }),
      rec('claude', { detectionMs: 0, detectionCached: true }),
      rec('claude', { detectionMs: 1, detectionCached: true }, { status: 'failed', message: 'Model API request failed (HTTP 529): overloaded' }),
      rec('codex', {}, { status: 'failed', message: 'Model API request failed (HTTP 503): busy' }),
      rec('codex', {}, { status: 'timed-out' }),
    ];
    const h = recentHealth(records);
    assert.equal(h.recentRuns, 5);
    assert.deepEqual(h.detection, [{ agentId: 'claude', coldP50Ms: 40, cachedP50Ms: 0, runs: 3 }]);
    assert.deepEqual(h.failures, [
      { cause: 'Model API request failed (HTTP N)', count: 2, agents: ['claude', 'codex'] },
      { cause: 'timed-out', count: 1, agents: ['codex'] },
    ]);
    assert.equal(failureCause(undefined), 'failed (no message)');
  });
});

describe('daily performance', () => {
  it('gives each local day its own percentiles, oldest first', async () => {
    const { dailyPerformance } = await import('../../src/core/metrics/performanceReport');
    const day = 24 * 3600_000;
    const at = (d: number, ms: number) => ({ ...rec('claude', { firstOutputMs: ms }), finishedAt: Date.UTC(2026, 11, 1) + d * day + 3600_000 });
    const rows = dailyPerformance([at(1, 300), at(0, 100), at(0, 200), at(1, 500)], 0).filter((r) => r.metric === 'firstOutputMs');
    assert.deepEqual(rows.map((r) => [r.day, r.runs, r.p50, r.p99]), [['2026-12-01', 2, 100, 200], ['2026-12-02', 2, 300, 500]]);
  });
});
