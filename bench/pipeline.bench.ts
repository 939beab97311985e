// The headless pipeline end to end, as a user runs it: `agent-relay run
// --agent claude` (and with --json) over a long Claude Code transcript that a
// stand-in `claude` streams, next to a plain program that does readline +
// JSON.parse on the same stream and prints the text. Both run as separate
// processes, in interleaved rounds; peak memory is each process's own maxRSS.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentProvider } from '../src/core/agents/provider';
import { ClaudeStreamParser } from '../src/core/agents/claudeStream';
import { StdoutReader } from '../src/core/cli/stdoutReader';
import { AgentRun } from '../src/core/run/agentRun';
import { bigTranscript } from './parser.bench';
import { median, roundRatio } from './measure';

const ROOT = path.resolve(__dirname, '../..');
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/** Writes the process's peak RSS (bytes) to $BENCH_RSS_FILE when it exits. */
const PRELOAD = `process.on('exit', () => { try { require('fs').writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS * 1024)); } catch {} });\n`;

/** A stand-in for the claude binary: --version, or the transcript on stdout at pipe speed. */
const FAKE_CLAUDE = `if (process.argv.includes('--version')) { console.log('2.1.197 (Claude Code)'); process.exit(0); }
require('fs').createReadStream(process.env.BENCH_TRANSCRIPT, { highWaterMark: 64 * 1024 }).pipe(process.stdout);
`;

/** The baseline: the same stream through readline + JSON.parse, the text printed. */
const BASELINE = `const { spawn } = require('child_process');
const readline = require('readline');
const child = spawn(process.execPath, [process.env.BENCH_FAKE], { stdio: ['ignore', 'pipe', 'inherit'] });
const rl = readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
rl.on('line', (line) => {
  if (!line) return;
  const o = JSON.parse(line);
  const d = o.type === 'stream_event' && o.event && o.event.type === 'content_block_delta' ? o.event.delta : undefined;
  if (d && d.type === 'text_delta') process.stdout.write(d.text);
});
child.on('close', () => process.stdout.write('\\n'));
`;

interface Sample {
  ms: number;
  maxRssMB: number;
  stdoutMB: number;
}

function runOnce(args: string[], env: NodeJS.ProcessEnv, cwd: string, rssFile: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd, env: { ...env, BENCH_RSS_FILE: rssFile }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = 0;
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.length));
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited ${code}: ${err}`));
      resolve({ ms, maxRssMB: Number(readFileSync(rssFile, 'utf8')) / 1024 / 1024, stdoutMB: out / 1024 / 1024 });
    });
  });
}

export async function benchPipeline(sizeMb = 50, rounds = 3) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agent-relay-bench-pipeline-'));
  try {
    const transcript = path.join(dir, 'transcript.jsonl');
    const data = bigTranscript(sizeMb * 1024 * 1024);
    writeFileSync(transcript, data);
    const deltas = data.toString('utf8').split('\n').filter((l) => l.includes('text_delta')).length;
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(dir, 'fake-claude.js'), FAKE_CLAUDE);
    writeFileSync(path.join(bin, 'claude'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(dir, 'fake-claude.js')}" "$@"\n`);
    chmodSync(path.join(bin, 'claude'), 0o755);
    writeFileSync(path.join(dir, 'preload.js'), PRELOAD);
    writeFileSync(path.join(dir, 'baseline.js'), BASELINE);
    const work = path.join(dir, 'work');
    mkdirSync(work);
    const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, BENCH_TRANSCRIPT: transcript, BENCH_FAKE: path.join(dir, 'fake-claude.js'), HOME: path.join(dir, 'home') };
    const cli = path.join(ROOT, 'dist', 'cli.js');
    const preload = ['-r', path.join(dir, 'preload.js')];
    const variants: Record<string, string[]> = {
      baseline: [...preload, path.join(dir, 'baseline.js')],
      relay: [...preload, cli, 'run', '--agent', 'claude', '--storage', path.join(dir, 'storage'), 'Explain the project'],
      relayJson: [...preload, cli, 'run', '--agent', 'claude', '--json', '--storage', path.join(dir, 'storage'), 'Explain the project'],
    };
    const samples: Record<string, Sample[]> = { baseline: [], relay: [], relayJson: [] };
    for (let r = 0; r < rounds; r++) {
      for (const [name, args] of Object.entries(variants)) samples[name].push(await runOnce(args, env, work, path.join(dir, `rss-${name}`)));
    }
    const med = (name: string, k: keyof Sample) => median(samples[name].map((s) => s[k]));
    const figures = Object.fromEntries(Object.keys(variants).map((n) => [n, { ms: Math.round(med(n, 'ms')), maxRssMB: round(med(n, 'maxRssMB'), 1), stdoutMB: round(med(n, 'stdoutMB'), 1) }]));
    return {
      workload: `a ${round(data.length / 1024 / 1024, 1)} MB Claude Code stream-json transcript (${deltas} text deltas) from a stand-in claude, median of ${rounds} interleaved rounds`,
      figures,
      ratio: {
        // > 1: the baseline took longer.
        baselineVsRelay: round(figures.baseline.ms / figures.relay.ms),
        baselineVsRelayJson: round(figures.baseline.ms / figures.relayJson.ms),
      },
      spread: {
        baselineVsRelay: roundRatio(samples.baseline.map((s) => s.ms), samples.relay.map((s) => s.ms), 2).spread,
        baselineVsRelayJson: roundRatio(samples.baseline.map((s) => s.ms), samples.relayJson.map((s) => s.ms), 2).spread,
      },
      extraRssMB: { relay: round(figures.relay.maxRssMB - figures.baseline.maxRssMB, 1), relayJson: round(figures.relayJson.maxRssMB - figures.baseline.maxRssMB, 1) },
      goals: 'relay at least as fast as the baseline; peak RSS within the baseline + 30 MB',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void benchPipeline(Number(process.argv[2] ?? 50), Number(process.argv[3] ?? 3)).then((r) => console.log(JSON.stringify(r, null, 2)));

/**
 * How compactly a run's event log keeps a stream of small text deltas: the
 * same transcript through the Claude parser into an AgentRun, 64 KB a turn of
 * the event loop (what a pipe delivers), counting text events per delta.
 * Deterministic: it depends on the chunking, which is fixed here.
 */
export async function eventsPerDelta(sizeMb = 8): Promise<{ deltas: number; textEvents: number; eventsPerDelta: number }> {
  const data = bigTranscript(sizeMb * 1024 * 1024);
  const deltas = data.toString('utf8').split('\n').filter((l) => l.includes('text_delta')).length;
  const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  const provider: AgentProvider = {
    id: 'claude',
    displayName: 'Claude Code',
    run: async (_request, ctx) => {
      const reader = new StdoutReader(new ClaudeStreamParser(ctx.emit), silent);
      for (let i = 0; i < data.length; i += 64 * 1024) {
        reader.push(data.subarray(i, i + 64 * 1024));
        await new Promise((r) => setImmediate(r));
      }
      reader.end();
      return { status: 'succeeded', durationMs: 1 };
    },
  };
  const run = new AgentRun(provider, { prompt: 'p', cwd: ROOT, options: {} });
  await run.start();
  const textEvents = run.eventsAfter(0).filter((e) => e.event.type === 'text').length;
  return { deltas, textEvents, eventsPerDelta: Math.round((textEvents / deltas) * 1e6) / 1e6 };
}
