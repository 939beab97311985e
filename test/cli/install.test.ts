// The `agent-relay` command as a user installs it: the package npm pack makes,
// installed globally into a scratch prefix with npm itself (offline: the
// bundle has no dependencies), then `agent-relay help` and a real run.
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ModelServer } from '../support/modelServer';
import { ROOT } from './harness';

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('the agent-relay command, installed from npm pack', function () {
  let tmp: string;
  let bin: string;
  let server: ModelServer;
  let packed: string[];

  before(async function () {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'agent-relay-pack-'));
    // Pack a staging copy with a production build, so the working tree's development build is left alone.
    const stage = path.join(tmp, 'stage');
    for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE']) cpSync(path.join(ROOT, f), path.join(stage, f));
    execFileSync(process.execPath, [path.join(ROOT, 'esbuild.js'), '--production', '--outdir', path.join(stage, 'dist')], { cwd: ROOT, stdio: 'pipe' });
    const out = execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: stage, encoding: 'utf8' });
    const [info] = JSON.parse(out) as Array<{ filename: string; files: Array<{ path: string }> }>;
    packed = info.files.map((f) => f.path).sort();
    const prefix = path.join(tmp, 'prefix');
    execFileSync(npm, ['install', '--global', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, path.join(tmp, info.filename)], { stdio: 'pipe' });
    bin = process.platform === 'win32' ? path.join(prefix, 'agent-relay.cmd') : path.join(prefix, 'bin', 'agent-relay');
    server = await new ModelServer().start();
  });

  after(async () => {
    await server?.close();
    rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  });

  it('packs the bundled CLI and nothing of the source tree', () => {
    assert.deepEqual(packed, ['CHANGELOG.md', 'LICENSE', 'README.md', 'dist/cli.js', 'package.json']);
  });

  it('installs an agent-relay command that prints its help', async () => {
    const { stdout } = await run(bin, ['help']);
    assert.match(stdout, /^Usage:\n {2}agent-relay run --agent ID/);
  });

  it('runs an agent: the OpenAI-compatible API against a loopback server', async () => {
    const home = path.join(tmp, 'home');
    const { stdout, stderr } = await run(bin, ['run', '--agent', 'openai', '--base-url', `${server.url}/v1`, '--model', 'loopback', '--no-cache', 'Say hello'], {
      cwd: tmp,
      env: { ...process.env, HOME: home, XDG_CACHE_HOME: path.join(home, '.cache'), OPENAI_API_KEY: 'sk-loopback-test' },
    });
    assert.equal(stdout.trim(), 'Hello from the loopback model.');
    assert.match(stderr, /✓ done/);
    assert.equal(server.messageRequests('openai-chat').at(-1)?.body.model, 'loopback');
  });
});
