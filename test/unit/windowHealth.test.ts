import * as assert from 'node:assert/strict';
import { encodeWindowSamples, MAX_WINDOW_SAMPLES, parseWindowSamples, type WindowSample } from '../../src/core/history/windowSamples';
import { windowHealth, windowHealthMarkdown, WindowSampler } from '../../src/core/metrics/windowHealth';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 2, 12);

describe('window samples: activation time and host memory over time', () => {
  it('takes a sample on the first finished run with the activation time, then at most every half hour', () => {
    let rss = 300 * 1024 * 1024;
    const sampler = new WindowSampler('w1', () => 108.4, () => ({ rss, heapUsed: 50 * 1024 * 1024 }));
    assert.deepEqual(sampler.take(NOW), { at: NOW, windowId: 'w1', hostRssMB: 300, hostHeapMB: 50, activationMs: 108.4 });
    assert.equal(sampler.take(NOW + 29 * 60_000), undefined);
    rss = 420 * 1024 * 1024;
    assert.deepEqual(sampler.take(NOW + 30 * 60_000), { at: NOW + 30 * 60_000, windowId: 'w1', hostRssMB: 420, hostHeapMB: 50 }, 'activation only once a window');
    // An unbundled build measures no activation: the sample has none.
    assert.equal(new WindowSampler('w2', () => undefined, () => ({ rss: 1, heapUsed: 1 })).take(NOW)!.activationMs, undefined);
  });

  it('reads the file as untrusted: malformed entries are skipped, the rest kept in order and bounded', () => {
    const good = (at: number, extra: Partial<WindowSample> = {}): WindowSample => ({ at, windowId: 'w-1', hostRssMB: 300, hostHeapMB: 40, ...extra });
    const text = JSON.stringify({
      samples: [good(3), good(1, { activationMs: 90 }), { ...good(2), windowId: '../../etc' }, { ...good(4), hostRssMB: -1 }, { ...good(5), hostRssMB: 'x' }, { ...good(6), activationMs: Infinity }, null, 'x', { ...good(7), activationMs: 1e12 }],
    });
    const parsed = parseWindowSamples(text);
    // (Infinity is null in JSON: that sample is kept without an activation time.)
    assert.deepEqual(parsed.map((s) => s.at), [1, 3, 6, 7]);
    assert.equal(parsed[0].activationMs, 90);
    assert.equal(parsed[2].activationMs, undefined);
    assert.equal(parsed[3].activationMs, undefined, 'an absurd activation time is dropped');
    assert.deepEqual(parseWindowSamples('not json'), []);
    assert.deepEqual(parseWindowSamples('{"samples": 5}'), []);
    const many = Array.from({ length: MAX_WINDOW_SAMPLES + 50 }, (_, i) => good(i));
    const round = parseWindowSamples(encodeWindowSamples(many));
    assert.equal(round.length, MAX_WINDOW_SAMPLES);
    assert.equal(round[0].at, 50, 'the oldest go');
  });

  it('gives percentiles over the last 30 days and a line a day, counting each window once', () => {
    const samples: WindowSample[] = [
      { at: NOW - 40 * DAY, windowId: 'old', activationMs: 5000, hostRssMB: 9000, hostHeapMB: 1 },
      { at: NOW - DAY, windowId: 'a', activationMs: 100, hostRssMB: 300, hostHeapMB: 40 },
      { at: NOW - DAY + 60_000, windowId: 'a', hostRssMB: 500, hostHeapMB: 60 },
      { at: NOW - 2 * 3600_000, windowId: 'b', activationMs: 140, hostRssMB: 320, hostHeapMB: 45 },
      { at: NOW - 3600_000, windowId: 'c', activationMs: 120, hostRssMB: 310, hostHeapMB: 42 },
    ];
    const h = windowHealth(samples, NOW);
    assert.equal(h.windows, 3);
    assert.equal(h.samples, 4);
    assert.equal(h.activationP50Ms, 120);
    assert.equal(h.activationP95Ms, 140);
    assert.equal(h.hostRssMaxMB, 500);
    assert.equal(h.hostRssP50MB, 310);
    assert.equal(h.daily.length, 2);
    assert.deepEqual(h.daily.map((d) => d.windows), [1, 2]);
    assert.equal(h.daily[1].activationMaxMs, 140);
    const md = windowHealthMarkdown(h);
    assert.match(md, /\| \d{4}-\d\d-\d\d \| 2 \| 120 ms \| 140 ms \| 310 MB \| 320 MB \|/);
    assert.match(windowHealthMarkdown(windowHealth([], NOW)), /No samples yet/);
  });
});
