import * as assert from 'node:assert/strict';
import { ForwardingMeter, LatencySamples } from '../../src/core/metrics/forwarding';

describe('forwarding latency', () => {
  it('measures every event an ack covers, each from its own arrival', () => {
    const m = new ForwardingMeter();
    m.sent(1, 1000);
    m.sent(2, 1004);
    m.sent(3, 1010);
    assert.equal(m.drawn(2, 1020), 2);
    assert.equal(m.settled, false);
    assert.equal(m.drawn(2, 1030), 0, 'an ack repeated measures nothing again');
    assert.equal(m.drawn(5, 1016), 1);
    assert.equal(m.settled, true);
    const s = m.latency.summary()!;
    assert.equal(s.count, 3);
    assert.equal(s.max, 20);
    assert.equal(s.p50, 16);
  });

  it('forgets what a reload will replay, and stays bounded when nothing acks', () => {
    const m = new ForwardingMeter();
    for (let i = 1; i <= 20_000; i++) m.sent(i, i);
    assert.equal(m.drawn(20_000, 20_000), 8192, 'only the newest events are kept for matching');
    m.sent(20_001, 0);
    m.reset();
    assert.equal(m.drawn(20_001, 5), 0);
    assert.equal(m.settled, true);
  });

  it('keeps exact percentiles up to its bound and a uniform sample beyond it', () => {
    const exact = new LatencySamples();
    for (let i = 1; i <= 100; i++) exact.add(i);
    assert.deepEqual(exact.summary(), { count: 100, p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 });
    const sampled = new LatencySamples(1000);
    for (let i = 0; i < 100_000; i++) sampled.add(i % 1000);
    const s = sampled.summary()!;
    assert.equal(s.count, 100_000);
    assert.equal(s.max, 999);
    assert.ok(Math.abs(s.p50 - 500) < 60, `p50 of a uniform 0-999 was ${s.p50}`);
    assert.ok(s.p99 > 950, `p99 was ${s.p99}`);
    assert.equal(new LatencySamples().summary(), undefined);
    exact.add(Number.NaN);
    assert.equal(exact.count, 100, 'a NaN from a hostile ack is not a sample');
  });
});
