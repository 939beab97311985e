// Every way the headless CLI can end kills the agent's process tree first, and
// what an agent writes cannot exhaust its memory. With the real Claude Code
// (and a stand-in agent for a line that never ends) against the loopback
// model server.
import * as assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelServer } from '../support/modelServer';
import { waitFor } from '../support/processes';
import { AGENT_MS, AGENT_TEST_MS, GONE_MS, ROOT, startCli, tool, watchAgent } from './harness';

describe('headless CLI: no orphans, bounded memory, no secrets for agents', function () {
  this.timeout(AGENT_TEST_MS);
  let server: ModelServer;
  let scratch: string;
  let claudeBin: string;

  before(async () => {
    claudeBin = (await tool('claude')).bin;
    server = await new ModelServer().start();
  });
  after(async () => server?.close());
  beforeEach(() => (scratch = mkdtempSync(path.join(os.tmpdir(), 'relay-orphans-'))));
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  const claudeEnv = () => ({
    HOME: scratch,
    ANTHROPIC_BASE_URL: server.url,
    ANTHROPIC_API_KEY: 'sk-ant-loopback-test',
    CLAUDE_CODE_MAX_RETRIES: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
  });
  const start = (args: string[], env: Record<string, string> = {}) =>
    startCli(['run', '--agent', 'claude', '--verbose', '--no-cache', ...args], { cwd: scratch, binDirs: [path.dirname(claudeBin)], env: { ...claudeEnv(), ...env } });

  it('SIGHUP (the terminal went away) kills the agent\'s tree before the CLI exits', async () => {
    const s = start(['--json', 'HANG sighup']);
    const agent = watchAgent(s);
    assert.ok(await waitFor(() => s.events.some((e) => e.event.type === 'text'), AGENT_MS), 'the agent never answered');
    s.child.kill('SIGHUP');
    const r = await s.done;
    assert.notEqual(r.code, 0);
    assert.ok(agent.pid, 'the agent was started');
    assert.ok(await waitFor(() => agent.running().length === 0, GONE_MS), `left behind: ${agent.running()}`);
    agent.killLeftovers();
  });

  it('a closed stdout (`run … | head -c 20`) kills the tree instead of crashing with EPIPE', async () => {
    const s = start(['--json', 'LONG_OUTPUT:3000 closed-stdout']);
    const agent = watchAgent(s);
    let seen = 0;
    s.child.stdout!.on('data', (c: Buffer) => {
      seen += c.length;
      if (seen >= 20) s.child.stdout!.destroy(); // what `head -c 20` does once it has its bytes
    });
    const r = await s.done;
    assert.ok(agent.pid, 'the agent was started');
    assert.doesNotMatch(r.stderr, /Unhandled 'error' event|EPIPE.*\n\s+at /, 'the CLI crashed on the closed pipe');
    assert.ok(await waitFor(() => agent.running().length === 0, GONE_MS), `left behind: ${agent.running()}`);
    agent.killLeftovers();
  });

  it('an agent writing 600 MB without a newline fails the run with the size, is killed, and memory stays bounded', async () => {
    const fake = path.join(ROOT, 'test', 'fixtures', 'bin', 'endless-line.js');
    const s = start(['--json', '--agent-path', fake, '--max-line-mb', '8', 'anything']);
    const agent = watchAgent(s);
    let peakKB = 0;
    const sample = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${s.child.pid}/status`, 'utf8'));
        if (m) peakKB = Math.max(peakKB, Number(m[1]));
      } catch {
        // exited
      }
    }, 20);
    const r = await s.done;
    clearInterval(sample);
    assert.equal(r.code, 1, r.stderr);
    const done = r.events.at(-1)!.event;
    assert.ok(done.type === 'done' && done.outcome.status === 'failed');
    assert.match(done.type === 'done' ? (done.outcome.message ?? '') : '', /a line of output grew past 8 MB \(agentRelay\.run\.maxLineMegabytes\)/);
    assert.ok(await waitFor(() => agent.running().length === 0, GONE_MS), `left behind: ${agent.running()}`);
    // Far below the 600 MB the agent meant to write (the 8 MB line bound, Node's own heap and buffers).
    assert.ok(peakKB > 0 && peakKB < 200 * 1024, `the CLI peaked at ${Math.round(peakKB / 1024)} MB`);
  });

  it('the agent and the tools it runs never see AGENT_RELAY_CACHE_SECRET; the user\'s own key still reaches it', async () => {
    const r = await start(['--json', '--permission-mode', 'default', '--allowed-tools', 'Bash(printenv *)', 'RUN_TOOL: run printenv ANTHROPIC_API_KEY AGENT_RELAY_CACHE_SECRET'], {
      AGENT_RELAY_CACHE_SECRET: 'cache-secret-that-must-not-leak-0123456789abcdef',
    }).done;
    assert.equal(r.code, 0, r.stderr);
    const result = r.events.find((e) => e.event.type === 'tool-result');
    assert.ok(result && result.event.type === 'tool-result');
    // printenv prints the value of each variable that is set, one a line.
    assert.match(result.event.output, /sk-ant-loopback-test/);
    assert.doesNotMatch(result.event.output, /cache-secret-that-must-not-leak/);
    assert.ok(!JSON.stringify(server.requests).includes('cache-secret-that-must-not-leak'), 'the secret reached the model server');
  });
});
