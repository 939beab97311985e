import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { claudeAgent } from '../../src/core/agents/claude';
import { cliAnswerInputs } from '../../src/core/cache';

describe('what a CLI reads besides the prompt (part of the cache key)', () => {
  let root: string;
  let home: string;
  let work: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'relay-inputs-'));
    home = path.join(root, 'home');
    work = path.join(root, 'work');
    mkdirSync(path.join(home, '.claude'), { recursive: true });
    mkdirSync(work);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const inputs = (env: NodeJS.ProcessEnv = {}, options = {}) => cliAnswerInputs(claudeAgent, { prompt: 'p', cwd: work, options }, home, env);

  it('changes with the agent\'s memory and settings files and the variables it reads, not with others', async () => {
    const none = await inputs();
    assert.equal(none.files[path.join(home, '.claude', 'CLAUDE.md')], null);
    assert.equal(none.env.ANTHROPIC_MODEL, null);
    writeFileSync(path.join(home, '.claude', 'CLAUDE.md'), 'Always answer in French.');
    const withMemory = await inputs();
    assert.match(withMemory.files[path.join(home, '.claude', 'CLAUDE.md')] ?? '', /^[0-9a-f]{64}$/);
    writeFileSync(path.join(work, 'CLAUDE.md'), 'Project rules');
    assert.notDeepEqual(await inputs(), withMemory);
    assert.equal((await inputs({ ANTHROPIC_MODEL: 'claude-opus-4-1' })).env.ANTHROPIC_MODEL, 'claude-opus-4-1');
    assert.equal((await inputs({}, { environment: { ANTHROPIC_MODEL: 'from-settings' } })).env.ANTHROPIC_MODEL, 'from-settings');
    assert.deepEqual(await inputs({ UNRELATED: 'x' }), await inputs());
    // CLAUDE_CONFIG_DIR moves where its files are.
    const moved = await inputs({ CLAUDE_CONFIG_DIR: path.join(root, 'elsewhere') });
    assert.ok(path.join(root, 'elsewhere', 'settings.json') in moved.files);
  });

  it('reads no FIFO, link or device (nothing hangs), and stands in size and time for a big file', async function () {
    if (process.platform === 'win32') this.skip();
    execFileSync('mkfifo', [path.join(home, '.claude', 'settings.json')]);
    symlinkSync('/etc/hostname', path.join(work, 'CLAUDE.md'));
    writeFileSync(path.join(work, 'CLAUDE.local.md'), Buffer.alloc(2 * 1024 * 1024, 'x'));
    const r = await inputs();
    assert.equal(r.files[path.join(home, '.claude', 'settings.json')], null);
    assert.equal(r.files[path.join(work, 'CLAUDE.md')], null, 'a link is not followed');
    assert.match(r.files[path.join(work, 'CLAUDE.local.md')] ?? '', /^size:2097152:mtime:/);
  });
});
