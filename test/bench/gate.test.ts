// The real benchmark gate (out/bench/check.js) against the committed baseline,
// with the parser made three times slower: it must fail, after measuring the
// figure again, and say which figure regressed and how to update the baseline.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

describe('benchmark gate: the real check', function () {
  this.timeout(600_000);
  it('fails on a parser slowed down 3×, confirmed by measuring it again', async () => {
    const child = spawn(process.execPath, ['--expose-gc', path.join(ROOT, 'out', 'bench', 'check.js'), '--only', 'parser'], { env: { ...process.env, AGENT_RELAY_BENCH_SLOWDOWN: '3' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 1, out);
    assert.match(out, /parser\.relayVsReadline: measured again/);
    assert.match(out, /parser\.relayVsReadline\s+\S+\s+\S+\s+[\d.]+ % worse\s+\S+\s+regressed/);
    assert.match(out, /npm run bench:baseline/);
  });
});
