// The response cache through the headless CLI: the same cache the extension
// uses, in a folder of its own, across separate processes.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { claudeHome } from '../support/agentHomes';
import { entryFiles } from '../support/cacheFiles';
import { ModelServer } from '../support/modelServer';
import { startCli, texts, tool, type CliResult } from './harness';


describe('response cache from the headless CLI', function () {
  this.timeout(120_000);
  let server: ModelServer;
  let scratch: string;
  let storage: string;
  let work: string;

  before(async () => (server = await new ModelServer().start()));
  after(async () => server.close());
  beforeEach(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'relay-cache-cli-'));
    storage = path.join(scratch, 'storage');
    work = path.join(scratch, 'work');
    execFileSync('mkdir', ['-p', work]);
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  const env = (extra: Record<string, string | undefined> = {}) => ({ HOME: scratch, ANTHROPIC_API_KEY: 'sk-test', AGENT_RELAY_CACHE_SECRET: undefined, ...extra });
  const anthropic = (prompt: string, more: string[] = [], e?: Record<string, string | undefined>) =>
    startCli(['run', '--agent', 'anthropic', '--json', '--base-url', server.url, '--storage', storage, ...more, prompt], { cwd: work, env: env(e) }).done;
  const cache = async (action: string, more: string[] = [], e?: Record<string, string | undefined>) => {
    const r = await startCli(['cache', action, '--storage', storage, '--json', ...more], { cwd: work, env: env(e) }).done;
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout.trim());
  };
  const cacheEvents = (r: CliResult) => r.events.flatMap((e) => (e.event.type === 'cache' ? [e.event] : []));

  it('answers a repeated run from the cache, in a new process, and says so', async () => {
    const before = server.messageRequests('anthropic').length;
    const first = await anthropic('Cache me please');
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(cacheEvents(first).map((e) => e.status), ['miss', 'stored']);
    const second = await anthropic('Cache me please');
    assert.equal(second.code, 0, second.stderr);
    assert.equal(server.messageRequests('anthropic').length, before + 1, 'the second run reached the model');
    const [hit] = cacheEvents(second);
    assert.ok(hit.status === 'hit' && hit.ageMs >= 0 && (hit.savedMs ?? 0) > 0);
    assert.equal(texts(second.events), texts(first.events));
    const done = second.events.at(-1)!.event;
    assert.ok(done.type === 'done' && done.outcome.fromCache === true);

    const stats = await cache('stats');
    assert.deepEqual({ hits: stats.hits, misses: stats.misses, entries: stats.entries, removedInvalid: stats.removedInvalid }, { hits: 1, misses: 1, entries: 1, removedInvalid: 0 });
    assert.ok(stats.bytes > 0);

    const human = await startCli(['run', '--agent', 'anthropic', '--base-url', server.url, '--storage', storage, 'Cache me please'], { cwd: work, env: env() }).done;
    assert.match(human.stderr, /from cache \(\d+ s old, saved [\d.]+ s\)/);
  });

  it('--no-cache skips the lookup; a different model is a miss that says why', async () => {
    await anthropic('Same question');
    const before = server.messageRequests('anthropic').length;
    const bypassed = await anthropic('Same question', ['--no-cache']);
    assert.equal(server.messageRequests('anthropic').length, before + 1);
    assert.deepEqual(cacheEvents(bypassed)[0], { type: 'cache', status: 'miss', reason: 'bypassed' });
    const otherModel = await anthropic('Same question', ['--model', 'haiku']);
    const miss = cacheEvents(otherModel)[0];
    assert.ok(miss.status === 'miss' && /model changed/.test(miss.reason), JSON.stringify(miss));
  });

  it('keeps the secret in a key file only the user can read, or takes it from the environment', async () => {
    await anthropic('Secret please');
    const keyFile = path.join(storage, 'response-cache.key');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const other = 'a'.repeat(64);
    // Another secret: the entry is never served and never counted as tampering, and verify leaves it alone.
    const before = server.messageRequests('anthropic').length;
    const withOther = await anthropic('Secret please', [], { AGENT_RELAY_CACHE_SECRET: other });
    assert.equal(server.messageRequests('anthropic').length, before + 1, 'an entry signed with another secret was served');
    assert.equal(cacheEvents(withOther)[0].status, 'miss');
    const verify = await cache('verify', [], { AGENT_RELAY_CACHE_SECRET: 'b'.repeat(64) });
    assert.equal(verify.removed, 0);
    assert.ok(verify.unverifiable >= 2, JSON.stringify(verify));
    assert.equal((await cache('stats')).removedInvalid, 0);
  });

  it('verify removes a tampered entry and counts it; clear empties the workspace', async () => {
    await anthropic('Tamper with me');
    const [file] = entryFiles(storage);
    const bytes = readFileSync(file);
    bytes[bytes.length - 40] ^= 0x20; // inside the answer, before the MAC
    writeFileSync(file, bytes);
    const verify = await cache('verify');
    assert.equal(verify.removed, 1, JSON.stringify(verify));
    assert.equal((await cache('stats')).removedInvalid, 1);
    await anthropic('Tamper with me');
    assert.equal((await cache('stats')).entries, 1);
    await cache('clear');
    assert.equal((await cache('stats')).entries, 0);
  });

  it('a CLI agent in a git repository: cached while the code is unchanged, a miss that explains itself after an edit', async () => {
    const claude = await tool('claude');
    execFileSync('git', ['init', '-q'], { cwd: work });
    writeFileSync(path.join(work, 'a.txt'), 'one\n');
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qam', 'x', '--allow-empty'], { cwd: work });
    const home = claudeHome(path.join(scratch, 'claude-home'), server.url);
    const run = () => startCli(['run', '--agent', 'claude', '--json', '--storage', storage, 'What is in this folder?'], { cwd: work, binDirs: [path.dirname(claude.bin)], env: { ...home.env } }).done;
    const first = await run();
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(cacheEvents(first).map((e) => e.status), ['miss', 'stored']);
    const second = await run();
    assert.equal(cacheEvents(second)[0].status, 'hit');
    writeFileSync(path.join(work, 'b.txt'), 'untracked\n');
    const third = await run();
    const miss = cacheEvents(third)[0];
    assert.ok(miss.status === 'miss' && /workspace changed/.test(miss.reason), JSON.stringify(miss));
  });
});
