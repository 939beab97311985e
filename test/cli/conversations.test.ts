// Follow-up turns through the headless CLI (`run --continue`), with each real
// agent CLI and both model APIs against the loopback model server. The server
// answers RECALL with what an earlier REMEMBER:word said, and only a request
// that carries the earlier turn has it: a follow-up that did not really resume
// (or resend the history) answers "Nothing to recall."
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { claudeHome, codexHome, geminiHome, opencodeHome } from '../support/agentHomes';
import { ModelServer } from '../support/modelServer';
import { AGENT_MS, AGENT_TEST_MS, startCli, texts, tool, watchAgent, type CliResult } from './harness';
import { waitFor } from '../support/processes';

interface Setup {
  agent: string;
  /** The agent's bin folder (CLIs). */
  bin?: () => Promise<string>;
  env(home: string, url: string): Record<string, string | undefined>;
  /** Extra flags for every run. */
  flags?(url: string): string[];
  /** The model requests a turn made (the server records every request). */
  wire: string;
  canFork: boolean;
}

const SETUPS: Setup[] = [
  { agent: 'claude', bin: async () => path.dirname((await tool('claude')).bin), env: (h, u) => claudeHome(h, u).env, wire: 'anthropic', canFork: true },
  { agent: 'codex', bin: async () => path.dirname((await tool('codex')).bin), env: (h, u) => ({ ...codexHome(h, u).env, OPENAI_API_KEY: undefined, CODEX_API_KEY: undefined }), wire: 'openai-responses', canFork: false },
  { agent: 'gemini', bin: async () => path.dirname((await tool('gemini')).bin), env: (h, u) => geminiHome(h, u, []).env, wire: 'gemini', canFork: false },
  { agent: 'opencode', bin: async () => path.dirname((await tool('opencode')).bin), env: (h, u) => opencodeHome(h, u, []).env, flags: () => ['--model', 'anthropic/claude-sonnet-4-5'], wire: 'anthropic', canFork: true },
  { agent: 'anthropic', env: (h) => ({ HOME: h, ANTHROPIC_API_KEY: 'sk-ant-loopback-test' }), flags: (u) => ['--base-url', u], wire: 'anthropic', canFork: false },
  { agent: 'openai', env: (h) => ({ HOME: h, OPENAI_API_KEY: undefined }), flags: (u) => ['--base-url', `${u}/v1`], wire: 'openai-chat', canFork: false },
];

describe('follow-up turns (`run --continue`) with every agent', function () {
  this.timeout(AGENT_TEST_MS);
  let server: ModelServer;
  let scratch: string;
  let home: string;
  let work: string;
  let storage: string;

  before(async () => {
    server = await new ModelServer().start();
  });
  after(async () => server?.close());

  beforeEach(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'relay-conv-'));
    home = path.join(scratch, 'home');
    work = path.join(scratch, 'work');
    storage = path.join(scratch, 'storage');
    mkdirSync(home);
    mkdirSync(work);
    // Codex works only in a Git repository.
    execFileSync('git', ['init', '-q'], { cwd: work });
    server.requests.length = 0;
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  for (const s of SETUPS) {
    describe(s.agent, () => {
      let binDirs: string[] = [];
      before(async () => {
        binDirs = s.bin ? [await s.bin()] : [];
      });

      const run = (args: string[], more: string[] = []) =>
        startCli(['run', '--json', '--storage', storage, ...(s.flags?.(server.url) ?? []), ...more, ...args], { cwd: work, binDirs, env: { ...s.env(home, server.url) } });
      const first = async (prompt: string, more: string[] = []) => {
        const r = await run(['--agent', s.agent, prompt], more).done;
        assert.equal(r.code, 0, r.stderr);
        return r;
      };
      const runId = (r: CliResult) => {
        // The history names the run; the JSON events do not carry its id.
        const list = execFileSync(process.execPath, [path.join(__dirname, '../../../dist/cli.js'), 'runs', 'list', '--json', '--storage', storage], { cwd: work, encoding: 'utf8' });
        const records = list.trim().split('\n').map((l) => JSON.parse(l) as { id: string; prompt: string; turn?: number });
        assert.ok(records.length, `no runs in the history after ${texts(r.events)}`);
        return records[0].id;
      };

      it('a follow-up gets the earlier turn: the agent really resumed (or got the history)', async () => {
        const word = `teal-${s.agent}-${process.pid}`;
        const r1 = await first(`Please keep this in mind. REMEMBER:${word}`);
        const id = runId(r1);
        const r2 = await run(['--continue', id, 'What did I ask you to keep? RECALL']).done;
        assert.equal(r2.code, 0, r2.stderr);
        assert.equal(texts(r2.events), `You told me ${word}.`, r2.stderr);
        // The follow-up's request carried the first turn's words.
        const followUps = server.messageRequests(s.wire).filter((q) => JSON.stringify(q.body ?? {}).includes('RECALL'));
        assert.ok(followUps.length >= 1 && followUps.every((q) => JSON.stringify(q.body).includes(word)), 'the follow-up request lacks the earlier turn');
        // The history has the turn, numbered, in the same conversation.
        const shown = JSON.parse(execFileSync(process.execPath, [path.join(__dirname, '../../../dist/cli.js'), 'runs', 'list', '--json', '--storage', storage], { cwd: work, encoding: 'utf8' }).trim().split('\n')[0]);
        assert.equal(shown.conversationId, id);
        assert.equal(shown.turn, 2);
      });

      it('two conversations continued from one cached turn land in two different agent sessions', async () => {
        const word = `amber-${s.agent}-${process.pid}`;
        const prompt = `Remember a word. REMEMBER:${word}`;
        const real = await first(prompt);
        // Two later runs of the same prompt: two conversations, both answered by one cache entry.
        const hits: CliResult[] = [];
        const ids: string[] = [];
        for (let i = 0; i < 2; i++) {
          const h = await first(prompt);
          assert.ok(h.events.some((e) => e.event.type === 'cache' && e.event.status === 'hit'), 'an identical run was not a cache hit');
          hits.push(h);
          ids.push(runId(h));
        }
        assert.notEqual(ids[0], ids[1]);
        const a = await run(['--continue', ids[0], 'First branch. RECALL']).done;
        const b = await run(['--continue', ids[1], 'Second branch. RECALL']).done;
        for (const r of [a, b]) {
          assert.equal(r.code, 0, r.stderr);
          assert.match(texts(r.events), new RegExp(`You told me ${word}\\.$`));
        }
        if (!binDirs.length) return; // model APIs have no sessions: the history is resent each time
        const sessions = (r: CliResult) => r.events.flatMap((e) => (e.event.type === 'started' && e.event.sessionId ? [e.event.sessionId] : []));
        const stored = sessions(real)[0];
        assert.equal(sessions(hits[0])[0], stored, 'a cache hit replays the stored session id');
        const sa = sessions(a).at(-1);
        const sb = sessions(b).at(-1);
        assert.ok(sa && sb && stored, `sessions: ${sa}, ${sb}, stored ${stored}`);
        assert.notEqual(sa, sb, 'both conversations wrote into one agent session');
        assert.ok(sa !== stored && sb !== stored, 'a conversation wrote into the session the cache entry came from');
        // And the user is told which way it went.
        assert.match(a.stderr, s.canFork ? /continues its session in a new one/ : /asked again for real/);
      });

      it('cancel during a follow-up stops it and leaves no process behind', async function () {
        const r1 = await first('Hold this. REMEMBER:cobalt');
        const id = runId(r1);
        const started = run(['--continue', id, 'RECALL then HANG'], ['--verbose']);
        const agent = watchAgent(started);
        try {
          // Waits until the follow-up's request reached the model server, which then holds it
          // (some CLIs show text only once a message is complete).
          const held = () => server.messageRequests(s.wire).some((q) => JSON.stringify(q.body ?? {}).includes('HANG'));
          assert.ok(await waitFor(held, AGENT_MS), `the follow-up never reached the model server: ${started.events.map((e) => e.event.type).join(', ')}`);
          started.child.kill('SIGINT');
          const r = await started.done;
          assert.equal(r.code, 130, r.stderr);
          assert.ok(await waitFor(() => agent.running().length === 0, AGENT_MS), `still running: ${agent.running().join(', ')}`);
        } finally {
          agent.killLeftovers();
        }
      });
    });
  }

  describe('when the agent no longer has the session', () => {
    for (const s of SETUPS.filter((x) => x.bin)) {
      it(`${s.agent}: a clear error that says to start a new run`, async () => {
        const binDirs = [await s.bin!()];
        const env = s.env(home, server.url);
        const run = (args: string[]) => startCli(['run', '--json', '--storage', storage, ...(s.flags?.(server.url) ?? []), ...args], { cwd: work, binDirs, env: { ...env } });
        const r1 = await run(['--agent', s.agent, 'A session to lose. REMEMBER:gone']).done;
        assert.equal(r1.code, 0, r1.stderr);
        const id = JSON.parse(execFileSync(process.execPath, [path.join(__dirname, '../../../dist/cli.js'), 'runs', 'list', '--json', '--storage', storage], { cwd: work, encoding: 'utf8' }).trim().split('\n')[0]).id;
        // The agent's own session store goes (a cleaned home, another machine).
        for (const d of ['.claude', '.codex/sessions', '.gemini/tmp', '.local/share/opencode']) rmSync(path.join(home, d), { recursive: true, force: true });
        if (s.agent === 'codex') codexHome(home, server.url);
        if (s.agent === 'gemini') geminiHome(home, server.url, []);
        const r2 = await run(['--continue', id, 'RECALL']).done;
        assert.equal(r2.code, 1, `exit ${r2.code}: ${r2.stderr}`);
        const done = r2.events.find((e) => e.event.type === 'done');
        assert.ok(done && done.event.type === 'done' && done.event.outcome.sessionLost, JSON.stringify(done));
        assert.match(done.event.outcome.message ?? '', /no longer has this conversation's session .* Start a new run/);
      });
    }
  });
});
