import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SeqEvent } from '../../src/core/agents/events';
import { historyRecord, type HistoryRecord } from '../../src/core/history/historyRecord';
import { HistoryStore, isRunId } from '../../src/core/history/historyStore';

const WS = 'ab'.repeat(16);

function finished(id: string, finishedAt: number, text = 'answer'): { record: HistoryRecord; events: SeqEvent[] } {
  const events: SeqEvent[] = [
    { seq: 1, at: 0, event: { type: 'started', agentId: 'claude', model: 'claude-sonnet-5' } },
    { seq: 2, at: 5, event: { type: 'text', text } },
    { seq: 3, at: 6, event: { type: 'usage', inputTokens: 10, outputTokens: 3, costUsd: 0.001 } },
    { seq: 4, at: 7, event: { type: 'cache', status: 'stored' } },
    { seq: 5, at: 8, event: { type: 'done', outcome: { status: 'succeeded', durationMs: 8 } } },
  ];
  const record = historyRecord(
    { id, agentId: 'claude', agentName: 'Claude Code', prompt: `question ${id}`, fullPrompt: `question ${id}\n\ncontext`, context: 'a.ts:1-2', cwd: '/ws', createdAt: finishedAt - 10, startedAt: finishedAt - 9, finishedAt, outcome: { status: 'succeeded', durationMs: 8 } },
    events,
  );
  return { record, events };
}

describe('run history store', () => {
  let root: string;
  let store: HistoryStore;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'relay-history-'));
    store = new HistoryStore(root, { bounds: { maxRuns: 500, maxBytes: 200 * 1024 * 1024 } });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('keeps a finished run\'s record and whole log, newest first', async () => {
    const ws = store.workspace(WS);
    const a = finished('run-a', 1000, 'first');
    const b = finished('run-b', 2000, 'second');
    await ws.write(a.record, a.events);
    await ws.write(b.record, b.events);
    const { records, skipped } = await ws.list();
    assert.deepEqual(records.map((r) => r.id), ['run-b', 'run-a']);
    assert.deepEqual(skipped, []);
    assert.deepEqual(records[1], a.record);
    assert.deepEqual(
      { tokens: [a.record.inputTokens, a.record.outputTokens], cost: a.record.costUsd, cache: a.record.cache, answer: a.record.answerChars, events: a.record.events },
      { tokens: [10, 3], cost: 0.001, cache: 'stored', answer: 5, events: 5 },
    );
    assert.deepEqual(await ws.readEvents('run-a'), a.events);
    assert.deepEqual((await ws.readEvents('run-a', 3))?.map((e) => e.seq), [4, 5]);
    assert.deepEqual(await ws.get('run-b'), b.record);
    assert.equal(await ws.get('run-c'), undefined);
    assert.equal(await ws.delete('run-a'), true);
    assert.deepEqual((await ws.list()).records.map((r) => r.id), ['run-b']);
    assert.equal(await ws.readEvents('run-a'), undefined);
  });

  it('a write cut short loses that run only; damaged and foreign files are reported and skipped, never a crash', async () => {
    const ws = store.workspace(WS);
    const a = finished('run-a', 1000);
    await ws.write(a.record, a.events);
    const runs = path.join(ws.dir, 'runs');
    const logs = path.join(ws.dir, 'logs');
    // A crash between the two writes: a log without its record, and a temporary file.
    writeFileSync(path.join(logs, 'run-crashed.jsonl'), '{"seq":1,"at":0,"event":{"type":"text","text":"x"}}\n');
    writeFileSync(path.join(runs, `${'0'.repeat(9)}3000-run-torn.json.123.abcdef.tmp`), '{"schema":1,"id":"run-to');
    // Damaged records: torn JSON, another schema, an id that does not match its name, a FIFO, a link.
    writeFileSync(path.join(runs, `${'0'.repeat(9)}4000-run-torn.json`), '{"schema":1,"id":"run-to');
    writeFileSync(path.join(runs, `${'0'.repeat(9)}5000-run-future.json`), JSON.stringify({ ...a.record, id: 'run-future', schema: 99 }));
    writeFileSync(path.join(runs, `${'0'.repeat(9)}6000-run-other.json`), JSON.stringify(a.record));
    if (process.platform !== 'win32') {
      execFileSync('mkfifo', [path.join(runs, `${'0'.repeat(9)}7000-run-fifo.json`)]);
      symlinkSync('/etc/hostname', path.join(runs, `${'0'.repeat(9)}8000-run-link.json`));
    }
    const { records, skipped } = await ws.list();
    assert.deepEqual(records.map((r) => r.id), ['run-a']);
    assert.ok(skipped.length >= 3, `reported: ${skipped.join(', ')}`);
    assert.ok(skipped.every((s) => s.startsWith('workspaces/')), 'paths relative to the history folder');
    // The orphan log goes once it is an hour old (not while another process may be about to write its record).
    await ws.trim();
    assert.ok(readdirSync(logs).includes('run-crashed.jsonl'));
    utimesSync(path.join(logs, 'run-crashed.jsonl'), new Date(Date.now() - 2 * 3600e3), new Date(Date.now() - 2 * 3600e3));
    await ws.trim();
    assert.ok(!readdirSync(logs).includes('run-crashed.jsonl'));
    assert.ok(readdirSync(logs).includes('run-a.jsonl'), 'a kept run\'s log was removed');
  });

  it('drops the oldest runs past the bounds on count and on bytes', async () => {
    const small = new HistoryStore(root, { bounds: { maxRuns: 3, maxBytes: 1024 * 1024 } }).workspace(WS);
    for (let i = 1; i <= 5; i++) {
      const r = finished(`run-${i}`, i * 1000);
      await small.write(r.record, r.events);
    }
    assert.deepEqual((await small.list()).records.map((r) => r.id), ['run-5', 'run-4', 'run-3']);
    assert.deepEqual(readdirSync(path.join(small.dir, 'logs')).sort(), ['run-3.jsonl', 'run-4.jsonl', 'run-5.jsonl']);
    const bytes = new HistoryStore(root, { bounds: { maxRuns: 500, maxBytes: 6000 } }).workspace(WS);
    const big = finished('run-big', 9000, 'x'.repeat(5000));
    await bytes.write(big.record, big.events);
    assert.deepEqual((await bytes.list()).records.map((r) => r.id), ['run-big'], 'the newest run stays; older ones went for its bytes');
  });

  it('never follows a link planted at its folders, and takes only ids that are safe in a path', async () => {
    const ws = store.workspace(WS);
    const outside = mkdtempSync(path.join(os.tmpdir(), 'relay-outside-'));
    try {
      writeFileSync(path.join(outside, 'keep.json'), 'precious');
      mkdirSync(ws.dir, { recursive: true });
      symlinkSync(outside, path.join(ws.dir, 'runs'));
      assert.deepEqual((await ws.list()).records, []);
      const r = finished('run-a', 1000);
      await assert.rejects(ws.write(r.record, r.events));
      await ws.trim();
      assert.deepEqual(readdirSync(outside), ['keep.json']);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
    for (const bad of ['../x', 'a/b', '', '.hidden', 'x'.repeat(65)]) assert.equal(isRunId(bad), false, bad);
    assert.equal(await ws.get('../../etc/passwd'), undefined);
    assert.throws(() => store.workspace('../other'), /not a workspace id/);
  });

  it('keeps the windows\' samples beside the runs: a damaged file or a link in its place reads as none, and the next sample replaces it', async () => {
    const ws = store.workspace(WS);
    assert.deepEqual(await ws.windowSamples(), []);
    await ws.addWindowSample({ at: 1, windowId: 'w1', activationMs: 100, hostRssMB: 300, hostHeapMB: 40 });
    await ws.addWindowSample({ at: 2, windowId: 'w1', hostRssMB: 310, hostHeapMB: 41 });
    assert.deepEqual((await ws.windowSamples()).map((s) => [s.at, s.activationMs]), [[1, 100], [2, undefined]]);
    const file = path.join(ws.dir, 'windows.json');
    writeFileSync(file, '{"samples": [{"at": "x"');
    assert.deepEqual(await ws.windowSamples(), []);
    await ws.addWindowSample({ at: 3, windowId: 'w2', hostRssMB: 1, hostHeapMB: 1 });
    assert.deepEqual((await ws.windowSamples()).map((s) => s.windowId), ['w2']);
    rmSync(file);
    const outside = path.join(root, 'outside.json');
    writeFileSync(outside, JSON.stringify({ samples: [{ at: 9, windowId: 'forged', hostRssMB: 1, hostHeapMB: 1 }] }));
    symlinkSync(outside, file);
    assert.deepEqual(await ws.windowSamples(), [], 'a link is not followed');
    await ws.addWindowSample({ at: 4, windowId: 'w3', hostRssMB: 1, hostHeapMB: 1 });
    assert.deepEqual((await ws.windowSamples()).map((s) => s.windowId), ['w3']);
    assert.match(readFileSync(outside, 'utf8'), /forged/, 'the file the link pointed at is untouched');
  });
});
