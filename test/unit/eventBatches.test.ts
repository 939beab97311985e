import * as assert from 'node:assert/strict';
import type { SeqEvent } from '../../src/core/agents/events';
import { eventBatches } from '../../src/shared/eventBatches';

const text = (n: number, size: number): SeqEvent[] => Array.from({ length: n }, (_, i) => ({ seq: i + 1, at: i, event: { type: 'text', text: 'x'.repeat(size) } }));

describe('messages from the host to a panel', () => {
  it('keep every event in order, within both the count and the size bound', () => {
    const events = text(5000, 100);
    const batches = eventBatches(events, 2000, 64 * 1024);
    assert.deepEqual(batches.flat(), events);
    for (const b of batches) {
      assert.ok(b.length <= 2000);
      assert.ok(b.reduce((n, e) => n + (e.event.type === 'text' ? e.event.text.length : 0), 0) <= 64 * 1024);
    }
    assert.equal(batches.length, Math.ceil((5000 * 100) / (64 * 1024 - ((64 * 1024) % 100))));
  });

  it('an event larger than the size bound goes alone; nothing is ever empty', () => {
    const events = [...text(2, 10), { seq: 3, at: 0, event: { type: 'text', text: 'y'.repeat(100) } } as SeqEvent, ...text(1, 10).map((e) => ({ ...e, seq: 4 }))];
    assert.deepEqual(eventBatches(events, 10, 50).map((b) => b.map((e) => e.seq)), [[1, 2], [3], [4]]);
    assert.deepEqual(eventBatches([]), []);
  });
});
