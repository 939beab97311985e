// `npm run bench`: figures measured side by side in one run, as ratios (the
// machine is shared and absolute times drift), written to bench/results/.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { benchAgents } from './agents.bench';
import { benchCache } from './cache.bench';
import { benchHistory } from './history.bench';
import { benchPanel } from './panel.bench';
import { benchParser } from './parser.bench';
import { benchPipeline, eventsPerDelta } from './pipeline.bench';
import { benchRuns } from './runs.bench';
import { benchWorkbench } from './workbench.bench';
import { benchWorktrees } from './worktrees.bench';
import { benchGroup } from './group.bench';

const ROOT = path.resolve(__dirname, '../..');

function bundleSize(file: string) {
  const buf = readFileSync(path.join(ROOT, file));
  return { bytes: buf.length, gzipBytes: gzipSync(buf).length };
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
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
    pipeline: await benchPipeline(),
    coalescing: await eventsPerDelta(),
    panel: await benchPanel(),
    workbench: await benchWorkbench(),
    worktrees: await benchWorktrees(),
    group: await benchGroup(),
    bundles: {
      note: 'production build (npm run build:production)',
      extensionHost: bundleSize('dist/extension.js'),
      headlessCli: bundleSize('dist/cli.js'),
      httpProviders: bundleSize('dist/httpProviders.js'),
      otlpExporter: bundleSize('dist/otlpExporter.js'),
      webview: bundleSize('dist/webview/panel.js'),
    },
    vsix: await vsixSize(),
  };
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  // One line per run, so figures can be followed across commits (the gate's baseline is bench/baseline.json).
  appendFileSync(
    path.join(dir, 'history.jsonl'),
    JSON.stringify({
      commit: gitCommit(),
      date: results.date,
      machine: `${results.machine.cpus} CPUs, ${results.machine.platform}, Node ${results.machine.node}`,
      figures: {
        parserVsReadline: results.parser.ratios.relayVsReadline,
        panel10MBDomNodes: results.panel.at10MB.domNodes.atEnd,
        panel10MBSavedStateBytes: results.panel.at10MB.savedStateBytes,
        panelLongestWork10MBvs1MB: results.panel.ratio.longestWork10MBvs1MB,
        panelLongestTaskCpu10MBvs1MB: results.panel.ratio.longestTaskCpu10MBvs1MB,
        forwardingP50Ms: results.workbench.forwardingMs.p50,
        forwardingP99Ms: results.workbench.forwardingMs.p99,
        activationMs: results.workbench.activationMs,
        worktreeSetupVsPlain: results.worktrees.ratio.oursVsPlain,
        extensionGzipBytes: results.bundles.extensionHost.gzipBytes,
        webviewGzipBytes: results.bundles.webview.gzipBytes,
        vsixBytes: results.vsix.bytes,
      },
    }) + '\n',
  );
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
    `| provider cache: hit vs creating an HTTP provider | ${a.providerCache.usPerOp.cacheHit} µs vs ${a.providerCache.usPerOp.createHttpProvider} µs | creating is **${a.providerCache.ratio.httpCreateVsHit}×** a hit (rounds ${a.providerCache.spread.httpCreateVsHit.join('–')}) |`,
    `| model-name translation: cached translator vs rebuilt per lookup | ${a.modelTranslation.usPerOp.cached} µs vs ${a.modelTranslation.usPerOp.rebuiltEachTime} µs | **${a.modelTranslation.ratio.rebuiltVsCached}×** (rounds ${a.modelTranslation.spread.rebuiltVsCached.join('–')}) |`,
    `| CLI detection (${a.cliDetection.pathDirectories} PATH dirs): cold vs cached vs which-style | ${a.cliDetection.usPerLookup.cold} / ${a.cliDetection.usPerLookup.cached} / ${a.cliDetection.usPerLookup.whichStyle} µs | cold is **${a.cliDetection.ratio.coldVsCached}×** cached, **${a.cliDetection.ratio.coldVsWhich}×** which (rounds ${a.cliDetection.spread.coldVsWhich.join('–')}) |`,
    `| HTTP request: new connection vs warm keep-alive (loopback) | ${a.httpConnections.usPerRequest.newConnection} µs vs ${a.httpConnections.usPerRequest.warmConnection} µs | **${a.httpConnections.ratio.newVsWarm}×** (rounds ${a.httpConnections.spread.newVsWarm.join('–')}); warm requests reused a connection ${a.httpConnections.warmRequestsThatReused} times |`,
    ``,
    results.cache.summary,
    ``,
    `## Run queue and registry`,
    ``,
    `| measurement | figures | ratio |`,
    `|---|---|---|`,
    `| ${results.runs.queue.runs} ${results.runs.queue.workload}: through the queue vs started directly | ${results.runs.queue.usPerRun.queued} µs vs ${results.runs.queue.usPerRun.direct} µs per run (+${results.runs.queue.queueOverheadUsPerRun} µs) | **${results.runs.queue.ratio.queuedVsDirect}×** (per round ${results.runs.queue.paired.queuedVsDirect.spread.join('–')}; goal ≤ 1.1) |`,
    `| heap after ${results.runs.memory.samples.map((s) => `${s.runs}`).join(' / ')} finished runs of 100 KB | ${results.runs.memory.samples.map((s) => `${s.heapMB} MB (${s.held} held)`).join(' / ')} | growth from 100 to 1,000 runs: **${results.runs.memory.heapGrowthFrom100To1000RunsMB} MB** |`,
    ``,
    `## Run history`,
    ``,
    `| measurement | figures | ratio |`,
    `|---|---|---|`,
    `| keep ${results.history.write.workload} | ${results.history.write.msPerRun.store} ms vs ${results.history.write.msPerRun.plainWrites} ms for two plain writes | **${results.history.write.ratio.storeVsPlain}×** (atomic, checked, trimmed) |`,
    `| Runs view first load: list ${results.history.read.workload} | ${results.history.read.firstLoadMs.list} ms vs ${results.history.read.firstLoadMs.plainReads} ms reading the files unchecked | **${results.history.read.ratio.listVsPlain}×** (per round ${results.history.read.paired.listVsPlain.spread.join('–')}) |`,
    `| open one run from the history (record and log) | ${results.history.read.openOneRunMs.store} ms vs ${results.history.read.openOneRunMs.plainReads} ms | **${results.history.read.ratio.openVsPlain}×** |`,
    ``,
    `## Headless pipeline`,
    ``,
    `${results.pipeline.workload}; stdout read and discarded by the benchmark.`,
    ``,
    `| variant | time | peak RSS |`,
    `|---|---|---|`,
    `| readline + JSON.parse + print the text (baseline) | ${results.pipeline.figures.baseline.ms} ms | ${results.pipeline.figures.baseline.maxRssMB} MB |`,
    `| \`agent-relay run --agent claude\` | ${results.pipeline.figures.relay.ms} ms | ${results.pipeline.figures.relay.maxRssMB} MB |`,
    `| \`agent-relay run --agent claude --json\` | ${results.pipeline.figures.relayJson.ms} ms | ${results.pipeline.figures.relayJson.maxRssMB} MB |`,
    ``,
    `Baseline time over ours: **${results.pipeline.ratio.baselineVsRelay}×** (rounds ${results.pipeline.spread.baselineVsRelay.join('–')}; ${results.pipeline.ratio.baselineVsRelayJson}× with --json, rounds ${results.pipeline.spread.baselineVsRelayJson.join('–')}; ≥ 1 means at least as fast). Peak memory over the baseline's: **${results.pipeline.extraRssMB.relay} MB** (${results.pipeline.extraRssMB.relayJson} MB with --json; goal ≤ 30 MB).`,
    ``,
    `The run's event log keeps ${results.coalescing.textEvents} text events for ${results.coalescing.deltas} streamed deltas (${results.coalescing.eventsPerDelta} per delta), the transcript fed 64 KB a turn of the event loop.`,
    ``,
    `## Run panel (real Chromium)`,
    ``,
    `${results.panel.workload}.`,
    ``,
    `| measurement | 1 MB answer | 10 MB answer |`,
    `|---|---|---|`,
    `| lines / events | ${results.panel.at1MB.lines} / ${results.panel.at1MB.events} | ${results.panel.at10MB.lines} / ${results.panel.at10MB.events} |`,
    `| longest piece of panel work (a message or a frame) | ${results.panel.at1MB.panelWorkMs.longest} ms | ${results.panel.at10MB.panelWorkMs.longest} ms |`,
    `| longest main-thread task: CPU time (wall time), the round with the least of ${results.panel.rounds.length} | ${results.panel.at1MB.mainThread.longestCpuMs} ms (${results.panel.at1MB.mainThread.longestMs} ms) | ${results.panel.at10MB.mainThread.longestCpuMs} ms (${results.panel.at10MB.mainThread.longestMs} ms) |`,
    `| main-thread task p95 (CPU time) | ${results.panel.at1MB.mainThread.p95CpuMs} ms | ${results.panel.at10MB.mainThread.p95CpuMs} ms |`,
    `| longest garbage-collection pause | ${results.panel.at1MB.mainThread.longestGcMs} ms | ${results.panel.at10MB.mainThread.longestGcMs} ms |`,
    `| long tasks (> 50 ms) while streaming | ${results.panel.at1MB.longTasks.count} (${results.panel.at1MB.longTasks.totalMs} ms) | ${results.panel.at10MB.longTasks.count} (${results.panel.at10MB.longTasks.totalMs} ms) |`,
    `| frame time p50 / p95 while streaming | ${results.panel.at1MB.frameMs.p50} / ${results.panel.at1MB.frameMs.p95} ms | ${results.panel.at10MB.frameMs.p50} / ${results.panel.at10MB.frameMs.p95} ms |`,
    `| DOM nodes at the end / midway | ${results.panel.at1MB.domNodes.atEnd} / ${results.panel.at1MB.domNodes.midway} | ${results.panel.at10MB.domNodes.atEnd} / ${results.panel.at10MB.domNodes.midway} |`,
    `| JS heap after GC (× the text) | ${results.panel.at1MB.jsHeapMB} MB (${results.panel.at1MB.heapVsText}×) | ${results.panel.at10MB.jsHeapMB} MB (${results.panel.at10MB.heapVsText}×) |`,
    `| saved state | ${results.panel.at1MB.savedStateBytes} B | ${results.panel.at10MB.savedStateBytes} B |`,
    ``,
    `Longest main-thread task (CPU time) at 10 MB over 1 MB: **${results.panel.ratio.longestTaskCpu10MBvs1MB}×** (goal ≤ 1.5; per round: ${results.panel.rounds.map((r) => `${r.longestCpuMs10MB} / ${r.longestCpuMs1MB} ms`).join(', ')}); longest panel work (wall time, a message or a frame): ${results.panel.ratio.longestWork10MBvs1MB}×.`,
    ``,
    `## Worktrees for several agents in edit modes`,
    ``,
    `${results.worktrees.workload}: snapshot (temporary index, \`write-tree\`, \`commit-tree\`) and \`git worktree add\` took ${results.worktrees.medianMs.snapshotAndAdd} ms against ${results.worktrees.medianMs.plainWorktreeAdd} ms for a plain \`git worktree add\` of HEAD: **${results.worktrees.ratio.oursVsPlain}×** per round (spread ${results.worktrees.ratio.spread.join('–')}; goal ≤ 1.2).`,
    ``,
    `## Several agents at once`,
    ``,
    `${results.group.workload}: every agent had started ${results.group.medianMs.allStartedInGroup} ms after the command, against ${results.group.medianMs.slowestStartedAlone} ms for the slowest alone (**${results.group.ratio.groupVsSlowestAlone}×**, spread ${results.group.ratio.spread.join('–')}) and ${results.group.medianMs.oneAfterAnother} ms for all of them one after another.`,
    ``,
    `## In VS Code (code-server and Chromium)`,
    ``,
    `${results.workbench.workload}; achieved ${results.workbench.achievedKiBps} KiB/s.`,
    ``,
    `| measurement | p50 | p95 | p99 | max |`,
    `|---|---|---|---|---|`,
    `| forwarding latency: the host receiving a line → its text drawn in the webview (${results.workbench.forwardingMs.events} events) | ${results.workbench.forwardingMs.p50} ms | ${results.workbench.forwardingMs.p95} ms | ${results.workbench.forwardingMs.p99} ms | ${results.workbench.forwardingMs.max} ms |`,
    ``,
    `Our activation (the bundle's first line → \`activate()\` returned): **${results.workbench.activationMs ?? '?'} ms**. Aim for forwarding: p99 within two frames (33 ms); these are absolute figures of a shared 2-core machine, reported, not gated.`,
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
