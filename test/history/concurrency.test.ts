// Two windows (processes) writing one workspace's run history at once, each
// trimming and listing as it goes: nothing either wrote is lost or torn.
import * as assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HistoryStore } from '../../src/core/history/historyStore';

const WS = 'cd'.repeat(16);

describe('run history: two windows at once', function () {
  this.timeout(180_000);
  let root: string;
  beforeEach(() => (root = mkdtempSync(path.join(os.tmpdir(), 'relay-history-conc-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('two processes writing, trimming and listing at once lose nothing', async () => {
    const runs = 80;
    const writers = ['win1', 'win2', 'win3'].map(
      (name) =>
        new Promise<number | null>((resolve) => {
          const child = fork(path.join(__dirname, 'writer.js'), [], { env: { ...process.env, HISTORY_JOB: JSON.stringify({ root, ws: WS, name, runs }) }, stdio: 'inherit' });
          child.on('exit', (code) => resolve(code));
        }),
    );
    assert.deepEqual(await Promise.all(writers), [0, 0, 0]);
    const history = new HistoryStore(root).workspace(WS);
    const { records, skipped } = await history.list();
    assert.deepEqual(skipped, []);
    assert.equal(records.length, 3 * runs);
    for (const r of records) {
      const events = await history.readEvents(r.id);
      assert.ok(events && events.length === 2 && events[0].event.type === 'text' && events[0].event.text.startsWith(`answer of ${r.id} `), `the log of ${r.id} is torn or another run's`);
    }
  });
});
