// One prompt, several agents at once through the headless CLI
// (`run --agent a,b,…`): the four real CLIs and one model API against the
// loopback model server, which holds every request at one gate, so all five
// are shown to be in flight at once before any of them may finish.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { claudeHome, codexHome, geminiHome, opencodeHome } from '../support/agentHomes';
import { ModelServer } from '../support/modelServer';
import { waitFor } from '../support/processes';
import { AGENT_MS, AGENT_TEST_MS, startCli, tool } from './harness';

describe('headless CLI: one prompt, several agents (`run --agent a,b,…`)', function () {
  this.timeout(AGENT_TEST_MS);
  let server: ModelServer;
  let scratch: string;
  let work: string;
  let env: Record<string, string | undefined>;
  let binDirs: string[];

  before(async () => {
    server = await new ModelServer().start();
    binDirs = await Promise.all((['claude', 'codex', 'gemini', 'opencode'] as const).map(async (t) => path.dirname((await tool(t)).bin)));
  });
  after(async () => server?.close());
  beforeEach(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'relay-several-'));
    const home = path.join(scratch, 'home');
    work = path.join(scratch, 'work');
    mkdirSync(work, { recursive: true });
    execFileSync('git', ['init', '-q'], { cwd: work });
    // One home that all four CLIs share, each pointed at the server in its own way.
    env = { ...claudeHome(home, server.url).env, ...codexHome(home, server.url).env, ...geminiHome(home, server.url, []).env, ...opencodeHome(home, server.url, []).env, OPENAI_API_KEY: undefined, CODEX_API_KEY: undefined };
    env.HOME = home;
    server.requests.length = 0;
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  const agents = 'claude,codex,gemini,opencode,anthropic';
  const run = (args: string[]) =>
    startCli(['run', '--agent', agents, '--max-concurrent', '5', '--storage', path.join(scratch, 'storage'), '--base-url', server.url, ...args], { cwd: work, binDirs, env: { ...env, ANTHROPIC_BASE_URL: server.url } });

  it('runs all five at once under --max-concurrent 5, tags each event line with its agent, and ends with one summary line per agent', async () => {
    const gate = server.gate('several');
    const started = run(['--json', 'Compare us. GATE:several']);
    // Every agent's request is at the server, held, before any is released: they run at once.
    const held = () => {
      const r = server.messageRequests().filter((q) => JSON.stringify(q.body ?? {}).includes('GATE:several'));
      return r.filter((q) => q.wire === 'anthropic').length >= 3 && r.some((q) => q.wire === 'openai-responses') && r.some((q) => q.wire === 'gemini');
    };
    const ok = await waitFor(held, AGENT_MS);
    assert.ok(ok, `not all agents reached the model: ${server.messageRequests().map((q) => q.wire).join(', ')}`);
    assert.equal(started.events.filter((e) => (e as { agent?: string }).agent && e.event.type === 'done').length, 0, 'a run finished before the gate opened');
    gate.release();
    const r = await started.done;
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const summaries = lines.filter((l) => l.summary);
    assert.deepEqual(summaries.map((l) => l.agent), agents.split(','));
    for (const s of summaries) {
      assert.equal(s.summary.status, 'succeeded', JSON.stringify(s));
      assert.ok(s.summary.answerChars > 0 && s.summary.durationMs > 0, JSON.stringify(s));
    }
    const tagged = lines.filter((l) => !l.summary);
    for (const a of agents.split(',')) {
      const text = tagged.filter((l) => l.agent === a && l.event.type === 'text').map((l) => l.event.text).join('');
      assert.match(text, /Delta: released\.$/, `${a}: ${text}`);
    }
    assert.equal(summaries.filter((s) => s.summary.fastest).length >= 1, true, 'no run marked fastest');
  });

  it('prints each answer under its agent, then the summary table; an unknown agent runs nothing', async () => {
    const r = await run(['Hello to all of you']).done;
    assert.equal(r.code, 0, r.stderr);
    for (const name of ['Claude Code', 'OpenAI Codex', 'Gemini CLI', 'OpenCode', 'Anthropic API']) assert.match(r.stderr, new RegExp(`── ${name} · succeeded`));
    assert.match(r.stdout, /agent\s+status\s+first output\s+time\s+tokens\s+cost\s+cache\s+answer chars/);
    assert.equal((r.stdout.match(/Hello from the loopback model\./g) ?? []).length, 5);
    // Each run measured itself: present and consistent for every CLI and the API.
    const m = await startCli(['metrics', '--json', '--storage', path.join(scratch, 'storage')], { cwd: work, binDirs, env }).done;
    assert.equal(m.code, 0, m.stderr);
    const rows = m.stdout.trim().split('\n').map((l) => JSON.parse(l) as { agentId: string; metric: string; runs: number; p50: number });
    const of = (agent: string, metric: string) => rows.find((x) => x.agentId === agent && x.metric === metric);
    for (const a of agents.split(',')) {
      for (const metric of ['queueWaitMs', 'providerCreationMs', 'spawnToFirstByteMs', 'firstOutputMs', 'eventsPerSec', 'retries']) assert.equal(of(a, metric)?.runs, 1, `${a} ${metric}: ${JSON.stringify(rows.filter((x) => x.agentId === a))}`);
      // The first output needs the first byte, which needs the agent started (and, for a CLI, found).
      assert.ok(of(a, 'firstOutputMs')!.p50 >= of(a, 'spawnToFirstByteMs')!.p50 && of(a, 'spawnToFirstByteMs')!.p50 > 0, `${a}: ${JSON.stringify(rows.filter((x) => x.agentId === a))}`);
      if (a !== 'anthropic') assert.equal(of(a, 'detectionMs')?.runs, 1, `${a} detection`);
    }
    const before = server.messageRequests().length;
    const bad = await startCli(['run', '--agent', 'claude,nosuch', 'x'], { cwd: work, binDirs, env }).done;
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Nothing was run\.[\s\S]*nosuch/);
    assert.equal(server.messageRequests().length, before, 'a group with an unknown agent started something');
  });
});
