// `npm run bench`: figures measured side by side in one run, as ratios (the
// machine is shared and absolute times drift), written to bench/results/.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { benchAgents } from './agents.bench';
import { benchCache } from './cache.bench';
import { benchHistory } from './history.bench';
import { benchParser } from './parser.bench';
import { benchRuns } from './runs.bench';

const ROOT = path.resolve(__dirname, '../..');

function bundleSize(file: string) {
  const buf = readFileSync(path.join(ROOT, file));
  return { bytes: buf.length, gzipBytes: gzipSync(buf).length };
}

function claudeBinary(): string | undefined {
  const bin = path.join(ROOT, '.vscode-test', 'claude-2.1.197', 'node_modules', '.bin', 'claude');
  return existsSync(bin) ? bin : undefined;
}

/** The VSIX `npm run package` builds, in a scratch folder: its size and file count. */
async function vsixSize(): Promise<{ bytes: number; files: number }> {
  const packager = (await import(path.join(ROOT, 'scripts', 'package.mjs'))) as { packageVsix(o: { out: string }): Promise<{ bytes: number; files: string[] }> };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agent-relay-bench-vsix-'));
  try {
    const r = await packager.packageVsix({ out: path.join(dir, 'agent-relay.vsix') });
    return { bytes: r.bytes, files: r.files.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const results = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` },
    parser: await benchParser(),
    agents: await benchAgents(claudeBinary()),
    cache: (await benchCache()) as { summary: string },
    runs: await benchRuns(),
    history: await benchHistory(),
    bundles: {
      note: 'production build (npm run build:production)',
      extensionHost: bundleSize('dist/extension.js'),
      headlessCli: bundleSize('dist/cli.js'),
      httpProviders: bundleSize('dist/httpProviders.js'),
      webview: bundleSize('dist/webview/panel.js'),
    },
    vsix: await vsixSize(),
  };
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  const p = results.parser;
  const a = results.agents;
  const md = [
    `# Benchmark results`,
    ``,
    `Measured ${results.date.slice(0, 10)} on ${results.machine.platform}, ${results.machine.cpus} CPUs, Node ${results.machine.node}, by \`npm run bench\`.`,
    ``,
    `## Stream parser (${p.transcriptMB} MB Claude Code stream-json transcript, 64 KB chunks, median of ${p.rounds} interleaved rounds)`,
    ``,
    `| variant | median | throughput |`,
    `|---|---|---|`,
    `| Agent Relay: LineSplitter + JSON + Claude event mapping | ${p.medianMs.relay.toFixed(0)} ms | ${p.throughputMBps.relay} MB/s |`,
    `| Agent Relay framing + JSON.parse only | ${p.medianMs.relayFramingOnly.toFixed(0)} ms | ${p.throughputMBps.relayFramingOnly} MB/s |`,
    `| readline + JSON.parse (baseline) | ${p.medianMs.readlineJsonParse.toFixed(0)} ms | ${p.throughputMBps.readlineJsonParse} MB/s |`,
    ``,
    `Full pipeline vs baseline: **${p.ratios.relayVsReadline}×** (>1 is faster); framing alone: **${p.ratios.framingVsReadline}×**.`,
    ``,
    `## Agents`,
    ``,
    `| measurement | figures | ratio |`,
    `|---|---|---|`,
    `| provider cache: hit vs creating an HTTP provider | ${a.providerCache.usPerOp.cacheHit} µs vs ${a.providerCache.usPerOp.createHttpProvider} µs | creating is **${a.providerCache.ratio.httpCreateVsHit}×** a hit |`,
    `| model-name translation: cached translator vs rebuilt per lookup | ${a.modelTranslation.usPerOp.cached} µs vs ${a.modelTranslation.usPerOp.rebuiltEachTime} µs | **${a.modelTranslation.ratio.rebuiltVsCached}×** |`,
    `| CLI detection (${a.cliDetection.pathDirectories} PATH dirs): cold vs cached vs which-style | ${a.cliDetection.usPerLookup.cold} / ${a.cliDetection.usPerLookup.cached} / ${a.cliDetection.usPerLookup.whichStyle} µs | cold is **${a.cliDetection.ratio.coldVsCached}×** cached, **${a.cliDetection.ratio.coldVsWhich}×** which |`,
    `| HTTP request: new connection vs warm keep-alive (loopback) | ${a.httpConnections.usPerRequest.newConnection} µs vs ${a.httpConnections.usPerRequest.warmConnection} µs | **${a.httpConnections.ratio.newVsWarm}×**; warm requests reused a connection ${a.httpConnections.warmRequestsThatReused} times |`,
    ``,
    results.cache.summary,
    ``,
    `## Run queue and registry`,
    ``,
    `| measurement | figures | ratio |`,
    `|---|---|---|`,
    `| ${results.runs.queue.runs} ${results.runs.queue.workload}: through the queue vs started directly | ${results.runs.queue.usPerRun.queued} µs vs ${results.runs.queue.usPerRun.direct} µs per run (+${results.runs.queue.queueOverheadUsPerRun} µs) | **${results.runs.queue.ratio.queuedVsDirect}×** (goal ≤ 1.1) |`,
    `| heap after ${results.runs.memory.samples.map((s) => `${s.runs}`).join(' / ')} finished runs of 100 KB | ${results.runs.memory.samples.map((s) => `${s.heapMB} MB (${s.held} held)`).join(' / ')} | growth from 100 to 1,000 runs: **${results.runs.memory.heapGrowthFrom100To1000RunsMB} MB** |`,
    ``,
    `## Run history`,
    ``,
    `| measurement | figures | ratio |`,
    `|---|---|---|`,
    `| keep ${results.history.write.workload} | ${results.history.write.msPerRun.store} ms vs ${results.history.write.msPerRun.plainWrites} ms for two plain writes | **${results.history.write.ratio.storeVsPlain}×** (atomic, checked, trimmed) |`,
    `| Runs view first load: list ${results.history.read.workload} | ${results.history.read.firstLoadMs.list} ms vs ${results.history.read.firstLoadMs.plainReads} ms reading the files unchecked | **${results.history.read.ratio.listVsPlain}×** |`,
    `| open one run from the history (record and log) | ${results.history.read.openOneRunMs.store} ms vs ${results.history.read.openOneRunMs.plainReads} ms | **${results.history.read.ratio.openVsPlain}×** |`,
    ``,
    `## Bundle sizes (production)`,
    ``,
    `| bundle | bytes | gzip |`,
    `|---|---|---|`,
    ...Object.entries(results.bundles)
      .filter(([k]) => k !== 'note')
      .map(([k, v]) => `| ${k} | ${(v as { bytes: number }).bytes} | ${(v as { gzipBytes: number }).gzipBytes} |`),
    `| VSIX (\`npm run package\`, ${results.vsix.files} files, already compressed) | ${results.vsix.bytes} | |`,
    ``,
  ].join('\n');
  writeFileSync(path.join(dir, 'latest.md'), md);
  console.log(md);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
