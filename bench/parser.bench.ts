// Stream-parser throughput: our LineSplitter + Claude parser against Node's
// readline + JSON.parse on the same large transcript, in the same process.
import { once } from 'node:events';
import * as readline from 'node:readline';
import { Readable } from 'node:stream';
import { ClaudeStreamParser } from '../src/core/agents/claudeStream';
import { StdoutReader } from '../src/core/cli/stdoutReader';
import { LineSplitter, parseJsonObject } from '../src/core/stream/jsonLines';
import { fixture } from '../test/support/fixtures';
import { interleavedRounds, median, pairedRatio } from './measure';

const CHUNK = 64 * 1024; // a pipe's typical read size
const SILENT = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** A long partial-messages transcript: the real one's deltas repeated to `targetBytes`. */
export function bigTranscript(targetBytes: number): Buffer {
  const lines = fixture('captured-claude-partial-tool.jsonl').split('\n').filter(Boolean);
  const head = lines.filter((l) => l.includes('"subtype":"init"'));
  const delta = lines.find((l) => l.includes('text_delta'))!;
  const tail = lines.filter((l) => l.includes('"type":"result"'));
  const body: string[] = [];
  let size = 0;
  for (let i = 0; size < targetBytes; i++) {
    const line = delta.replace(/"text":"[^"]*"/, `"text":"token ${i} — ünïcödé "`);
    body.push(line);
    size += line.length + 1;
  }
  return Buffer.from([...head, ...body, ...tail].join('\n') + '\n');
}

function chunks(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += CHUNK) out.push(buf.subarray(i, i + CHUNK));
  return out;
}

/**
 * Only for checking the benchmark gate itself (test/unit/benchGate.test.ts):
 * AGENT_RELAY_BENCH_SLOWDOWN=N makes our parser variant parse its input N
 * times, a stand-in for a real regression in the parser.
 */
const SLOWDOWN = Math.max(1, Number(process.env.AGENT_RELAY_BENCH_SLOWDOWN) || 1);

export async function benchParser(rounds = 7, sizeMb = 32) {
  const data = bigTranscript(sizeMb * 1024 * 1024);
  const pieces = chunks(data);
  let checksum = 0;

  const times = await interleavedRounds(rounds, {
    // What a run does: frame lines, parse JSON, turn into normalised events.
    // (StdoutReader, as a CLI run uses it: the parser's raw-line fast path, then JSON.parse.)
    relay: () => {
      for (let k = 0; k < SLOWDOWN; k++) {
        let events = 0;
        const reader = new StdoutReader(new ClaudeStreamParser(() => events++), SILENT);
        for (const p of pieces) reader.push(p);
        reader.end();
        checksum += events;
      }
    },
    // Framing and JSON only, to separate our framing from our event mapping.
    relayFramingOnly: () => {
      let n = 0;
      const splitter = new LineSplitter((line) => {
        if (parseJsonObject(line)) n++;
      });
      for (const p of pieces) splitter.push(p);
      splitter.end();
      checksum += n;
    },
    // The usual baseline: readline over a stream + JSON.parse (no event mapping at all).
    readlineJsonParse: async () => {
      let n = 0;
      const rl = readline.createInterface({ input: Readable.from(pieces), crlfDelay: Infinity });
      rl.on('line', (line) => {
        if (line) {
          JSON.parse(line);
          n++;
        }
      });
      await once(rl, 'close');
      checksum += n;
    },
  });
  const result = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<keyof typeof times, number>;
  const paired = pairedRatio(times.relay, times.readlineJsonParse);
  const mb = data.length / (1024 * 1024);
  const mbps = (ms: number) => mb / (ms / 1000);
  return {
    transcriptMB: Math.round(mb * 10) / 10,
    rounds,
    medianMs: result,
    throughputMBps: {
      relay: round(mbps(result.relay)),
      relayFramingOnly: round(mbps(result.relayFramingOnly)),
      readlineJsonParse: round(mbps(result.readlineJsonParse)),
    },
    ratios: {
      relayVsReadline: round(result.readlineJsonParse / result.relay, 2),
      framingVsReadline: round(result.readlineJsonParse / result.relayFramingOnly, 2),
    },
    /** The per-round ratio of the full pipeline to the baseline: its median and range (the gate's spread). */
    paired: { relayVsReadline: { value: round(paired.value, 3), spread: [round(paired.spread[0], 3), round(paired.spread[1], 3)] as [number, number] } },
    checksum,
  };
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
