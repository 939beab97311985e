// The headless CLI (dist/cli.js) against the real Claude Code CLI and the
// loopback model server: the same core the extension uses, without VS Code.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelServer } from '../support/modelServer';
import { OtlpReceiver } from '../support/otlpReceiver';
import { isAlive } from '../../src/core/process/processTree';
import { processesInGroup, waitFor } from '../support/processes';
import { AGENT_MS, AGENT_TEST_MS, childOf, GONE_MS, startCli, tool, types, watchAgent, type CliResult } from './harness';

describe('headless CLI with the real claude', function () {
  this.timeout(AGENT_TEST_MS);
  let server: ModelServer;
  let scratch: string;
  let claudeBin: string;
  let claudeVersion: string;

  before(async () => {
    const t = await tool('claude');
    claudeBin = t.bin;
    claudeVersion = t.version;
    server = await new ModelServer().start();
  });
  after(async () => server?.close());
  beforeEach(() => (scratch = mkdtempSync(path.join(os.tmpdir(), 'relay-cli-'))));
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  /** `node dist/cli.js …` with claude on PATH, pointed at the model server, in a scratch HOME. */
  function start(args: string[], env: Record<string, string> = {}) {
    return startCli(args, {
      cwd: scratch,
      binDirs: [path.dirname(claudeBin)],
      env: {
        HOME: scratch,
        ANTHROPIC_BASE_URL: server.url,
        ANTHROPIC_API_KEY: 'sk-ant-loopback-test',
        CLAUDE_CODE_MAX_RETRIES: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_TELEMETRY: '1',
        ...env,
      },
    });
  }

  const run = (args: string[], env?: Record<string, string>) => start(args, env).done;
  const typesOf = (r: CliResult) => types(r.events);

  it('streams normalised events as JSON lines and exits 0', async () => {
    const r = await run(['run', '--agent', 'claude', '--json', 'Say hello']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(typesOf(r)[0], 'started');
    assert.equal(typesOf(r).at(-1), 'done');
    const started = r.events.find((e) => e.event.type === 'started')?.event;
    assert.ok(started?.type === 'started' && started.agentVersion === claudeVersion);
    assert.equal(r.events.flatMap((e) => (e.event.type === 'text' ? [e.event.text] : [])).join(''), 'Hello from the loopback model.');
    r.events.forEach((e, i) => assert.equal(e.seq, i + 1));
    // Streamed: the part of the answer before the gate is printed while the model still holds the rest.
    // (Deltas that arrive together may be one event: the count of text events is not the test.)
    const gate = server.gate('headless-stream');
    const live = start(['run', '--agent', 'claude', '--json', 'Say hello GATE:headless-stream']);
    const streamed = () => live.events.flatMap((e) => (e.event.type === 'text' ? [e.event.text] : [])).join('');
    assert.ok(await waitFor(() => streamed() === 'Alpha Beta Gamma ', AGENT_MS), `before the gate: ${streamed()}`);
    gate.release();
    const done = await live.done;
    assert.equal(done.code, 0, done.stderr);
    assert.equal(streamed(), 'Alpha Beta Gamma Delta: released.');
  });

  it('an answer of megabytes succeeds, though Claude Code cuts off its final result line', async () => {
    server.eventDelayMs = 0;
    try {
      // 4 MiB: Claude Code 2.1.197 exits before that line (which repeats the whole answer) is flushed.
      const r = await run(['run', '--agent', 'claude', '--json', 'PACED:1048576:4096']);
      assert.equal(r.code, 0, r.stderr.slice(-2000));
      const text = r.events.flatMap((e) => (e.event.type === 'text' ? [e.event.text] : [])).join('');
      assert.equal(text.length, 4096 * 1024);
      const notices = r.events.flatMap((e) => (e.event.type === 'notice' ? [e.event.message] : []));
      // The CLI may also flush it in time on a given machine; then there is nothing to say.
      if (notices.length) assert.match(notices.join('\n'), /cut off .* cost is not known/);
      const done = r.events.at(-1)!.event;
      assert.ok(done.type === 'done' && done.outcome.status === 'succeeded');
    } finally {
      server.eventDelayMs = 5;
    }
  });

  it('measures each run (queue wait, detection, spawn to first byte, first output, throughput) and `metrics` reports them', async () => {
    const storage = path.join(scratch, 'storage');
    for (let i = 0; i < 2; i++) assert.equal((await run(['run', '--agent', 'claude', '--storage', storage, 'Say hello'])).code, 0);
    const r = await run(['metrics', '--json', '--storage', storage]);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const of = (metric: string) => rows.find((x) => x.agentId === 'claude' && x.metric === metric);
    for (const m of ['queueWaitMs', 'detectionMs', 'spawnToFirstByteMs', 'firstOutputMs', 'eventsPerSec', 'charsPerSec', 'retries']) assert.equal(of(m)?.runs, 2, `${m}: ${JSON.stringify(rows)}`);
    // First output needs the agent's first byte, which needs the agent spawned after it was found.
    assert.ok(of('firstOutputMs').p50 >= of('spawnToFirstByteMs').p50, JSON.stringify(rows));
    assert.ok(of('spawnToFirstByteMs').p50 > 0 && of('eventsPerSec').p50 > 0);
    assert.equal(of('retries').p99, 0);
    const csv = await run(['metrics', '--csv', '--storage', storage]);
    assert.match(csv.stdout, /^agent,metric,runs,p50,p95,p99\r\nclaude,queueWaitMs,2,/);
  });

  it('sends each run\'s metrics to an OTLP collector with --otlp-endpoint; a collector that is down costs the run nothing', async () => {
    const storage = path.join(scratch, 'storage');
    const receiver = await OtlpReceiver.start();
    const url = receiver.url;
    try {
      const r = await run(['run', '--agent', 'claude', '--storage', storage, '--otlp-endpoint', url, 'Say hello'], { OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=k%2042' });
      assert.equal(r.code, 0, r.stderr);
      // Sent before the process exits: the interval has not come, closing sends what is pending.
      assert.equal(receiver.requests.length, 1);
      assert.equal(receiver.requests[0].headers['x-collector-key'], 'k 42');
      assert.match(String(receiver.requests[0].resource['service.version']), /^\d+\.\d+\.\d+/);
      const usage = (await run(['runs', 'usage', '--json', '--storage', storage])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { agentId: string; inputTokens: number; outputTokens: number; costUsd: number });
      const row = usage.find((x) => x.agentId === 'claude')!;
      const sum = (metric: string, type?: string) => receiver.points().filter((p) => p.metric === metric && (!type || p.attributes.type === type)).reduce((a, p) => a + p.value, 0);
      assert.equal(sum('agent_relay.run.count'), 1);
      assert.equal(sum('agent_relay.token.usage', 'input'), row.inputTokens);
      assert.equal(sum('agent_relay.token.usage', 'output'), row.outputTokens);
      assert.ok(Math.abs(sum('agent_relay.cost.usage') - row.costUsd) < 1e-9);
    } finally {
      await receiver.close();
    }
    // Nothing listens there now: the run succeeds and says why its metrics did not go.
    const down = await run(['run', '--agent', 'claude', '--storage', storage, '--otlp-endpoint', url, 'Say hello']);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stderr, /metrics export to http:\/\/127\.0\.0\.1:\d+\/v1\/metrics failed: .*ECONNREFUSED/);
    const bad = await run(['run', '--agent', 'claude', '--otlp-endpoint', 'file:///etc/passwd', 'Say hello']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /OTLP endpoint must be an http:\/\/ or https:\/\/ URL/);
  });

  it('prints the answer as plain text without --json', async () => {
    const r = await run(['run', '--agent', 'claude', 'Say hello']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'Hello from the loopback model.');
    assert.match(r.stderr, /✓ done/);
  });

  it('runs an allowed tool for real', async () => {
    const r = await run(['run', '--agent', 'claude', '--json', '--permission-mode', 'default', '--allowed-tools', 'Bash(echo *)', 'RUN_TOOL: run echo from-the-cli']);
    assert.equal(r.code, 0, r.stderr);
    const result = r.events.find((e) => e.event.type === 'tool-result')?.event;
    assert.ok(result?.type === 'tool-result' && result.output === 'from-the-cli');
  });

  it('exits 1 with the API error on a failed run', async () => {
    const r = await run(['run', '--agent', 'claude', 'API_ERROR:401']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /failed: .*401/);
  });

  it('exits 2 for an unknown agent, listing the known ones', async () => {
    const r = await run(['run', '--agent', 'nope', 'hi']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown agent "nope"\. Known agents: claude, codex, gemini, opencode, anthropic, openai/);
  });

  it('exits 2 for an oversized prompt and says how to fix it', async () => {
    const r = await run(['run', '--agent', 'claude', '--max-prompt-kb', '1', 'x'.repeat(2000)]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /more than the limit of 1 KB/);
  });

  it('a missing CLI is a clear error, not a stack trace', async () => {
    const r = await run(['run', '--agent', 'claude', '--agent-path', '/nonexistent/claude', 'hi']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Claude Code was not found at "\/nonexistent\/claude"/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('an agent that crashes mid-answer fails the run and keeps the partial answer', async () => {
    const s = start(['run', '--agent', 'claude', '--json', 'HANG']);
    assert.ok(await waitFor(() => s.events.some((e) => e.event.type === 'text'), AGENT_MS), 'no text before the kill');
    // Kill claude (the CLI's child) the way a crash would.
    process.kill(childOf(s.child.pid!), 'SIGKILL');
    const r = await s.done;
    assert.equal(r.code, 1);
    const done = r.events.at(-1)!.event;
    assert.ok(done.type === 'done' && done.outcome.status === 'failed');
    assert.match(done.type === 'done' ? done.outcome.message ?? '' : '', /ended without a result \(killed by SIGKILL\)/);
    assert.ok(r.events.some((e) => e.event.type === 'text' && e.event.text === 'Working on it'), 'the partial answer was lost');
  });

  it('Ctrl-C cancels cleanly (exit 130) and leaves no process behind', async () => {
    const s = start(['run', '--agent', 'claude', '--json', 'HANG']);
    assert.ok(await waitFor(() => s.events.some((e) => e.event.type === 'text'), AGENT_MS), 'no text before the stop');
    const claudePid = childOf(s.child.pid!);
    s.child.kill('SIGINT');
    const r = await s.done;
    assert.equal(r.code, 130, r.stderr);
    const done = r.events.at(-1)!.event;
    assert.ok(done.type === 'done' && done.outcome.status === 'cancelled');
    assert.ok(await waitFor(() => !isAlive(claudePid) && processesInGroup(claudePid).length === 0, GONE_MS), `left behind: ${processesInGroup(claudePid)}`);
  });

  it('stops at the timeout (exit 124) and leaves no process behind', async () => {
    // The deadline may find claude not yet started, starting, or waiting on the
    // model (which never answers HANG): every case must end the same way.
    const s = start(['run', '--agent', 'claude', '--json', '--verbose', '--timeout', '3', 'HANG']);
    const agent = watchAgent(s);
    try {
      const r = await s.done;
      assert.equal(r.code, 124, r.stderr);
      const done = r.events.at(-1)!.event;
      assert.ok(done.type === 'done' && done.outcome.status === 'timed-out', JSON.stringify(done));
      assert.ok(await waitFor(() => agent.running().length === 0, GONE_MS), `left behind (agent ${agent.pid}): ${agent.running().join(', ')}`);
    } finally {
      agent.killLeftovers();
    }
  });
});
