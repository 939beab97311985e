import * as assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { claudeAgent } from '../../src/core/agents/claude';
import { locateCli, type LocatorContext } from '../../src/core/locate/cliLocator';
import { DetectionCache } from '../../src/core/locate/detectionCache';
import { candidateNames, commonInstallDirs, expandUserPath, pathDirectories } from '../../src/core/locate/searchPaths';
import { envValue } from '../../src/core/util/env';
import { resolveCmdShim, shimNodeCandidates } from '../../src/core/locate/windowsShim';

describe('locateCli (posix, real temporary directories)', function () {
  if (process.platform === 'win32') return;
  let root: string;
  let home: string;

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'relay-locate-'));
    home = path.join(root, 'home');
    mkdirSync(home);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** Writes an executable script that prints a version. */
  function fakeCli(dir: string, name = 'claude', version = '9.9.9 (Claude Code)', mode = 0o755): string {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, name);
    writeFileSync(file, `#!/bin/sh\necho "${version}"\n`);
    chmodSync(file, mode);
    return file;
  }

  const ctx = (over: Partial<LocatorContext>): LocatorContext => ({
    platform: 'linux',
    env: { PATH: '' },
    home,
    settingKey: 'agentRelay.claude.path',
    ...over,
  });

  it('takes the first match on PATH, in PATH order, and records how', async () => {
    const a = path.join(root, 'a');
    const b = path.join(root, 'b');
    mkdirSync(a);
    const inB = fakeCli(b);
    fakeCli(path.join(root, 'c'));
    const d = await locateCli(claudeAgent, ctx({ env: { PATH: [a, b, path.join(root, 'c')].join(':') } }));
    assert.ok(d.found);
    assert.equal(d.path, inB);
    assert.equal(d.foundBy, 'PATH');
    assert.deepEqual(d.launch, { command: inB, argsPrefix: [] });
    assert.equal(await d.version(), '9.9.9 (Claude Code)');
  });

  it('runs --version once, lazily', async () => {
    const dir = path.join(root, 'bin');
    const file = fakeCli(dir);
    const d = await locateCli(claudeAgent, ctx({ env: { PATH: dir } }));
    assert.ok(d.found);
    assert.equal(await d.version(), '9.9.9 (Claude Code)');
    writeFileSync(file, '#!/bin/sh\necho changed\n');
    assert.equal(await d.version(), '9.9.9 (Claude Code)');
  });

  it('skips files that are not executable', async () => {
    const dir = path.join(root, 'noexec');
    fakeCli(dir, 'claude', 'x', 0o644);
    const good = fakeCli(path.join(root, 'good'));
    const d = await locateCli(claudeAgent, ctx({ env: { PATH: `${dir}:${path.join(root, 'good')}` } }));
    assert.ok(d.found);
    assert.equal(d.path, good);
    assert.ok(d.trail.some((s) => s.path === path.join(dir, 'claude') && s.result === 'not executable'));
  });

  it('falls back to known install locations when PATH has nothing', async () => {
    const native = fakeCli(path.join(home, '.local', 'bin'));
    const d = await locateCli(claudeAgent, ctx({ env: { PATH: '/nonexistent-dir' } }));
    assert.ok(d.found);
    assert.equal(d.path, native);
    assert.equal(d.foundBy, 'known location');
  });

  it('finds version-manager installs (nvm via NVM_BIN, volta, legacy ~/.claude/local)', async () => {
    const nvm = fakeCli(path.join(root, 'nvm', 'bin'));
    let d = await locateCli(claudeAgent, ctx({ env: { NVM_BIN: path.join(root, 'nvm', 'bin') } }));
    assert.ok(d.found && d.path === nvm);
    rmSync(path.join(root, 'nvm'), { recursive: true });
    const local = fakeCli(path.join(home, '.claude', 'local'));
    d = await locateCli(claudeAgent, ctx({}));
    assert.ok(d.found && d.path === local);
  });

  it('the setting wins over PATH, with ~ expanded', async () => {
    fakeCli(path.join(root, 'onpath'));
    const mine = fakeCli(path.join(home, 'tools'), 'my-claude');
    const d = await locateCli(claudeAgent, ctx({ env: { PATH: path.join(root, 'onpath') }, configuredPath: '~/tools/my-claude' }));
    assert.ok(d.found);
    assert.equal(d.path, mine);
    assert.equal(d.foundBy, 'setting');
  });

  it('a setting that points nowhere is an error naming the setting, not a silent fallback', async () => {
    fakeCli(path.join(root, 'onpath'));
    const d = await locateCli(claudeAgent, ctx({ env: { PATH: path.join(root, 'onpath') }, configuredPath: '/nope/claude' }));
    assert.equal(d.found, false);
    assert.ok(!d.found && /not found at "\/nope\/claude"/.test(d.message) && /agentRelay\.claude\.path/.test(d.message));
  });

  it('skips relative PATH entries: the binary found must be the one the run (in another folder) starts', async () => {
    const rel = path.join(root, 'proj', 'bin');
    fakeCli(rel);
    const real = fakeCli(path.join(root, 'real'));
    const cwd = process.cwd();
    process.chdir(path.join(root, 'proj'));
    try {
      const d = await locateCli(claudeAgent, ctx({ env: { PATH: ['bin', '.', '', path.join(root, 'real')].join(':') } }));
      assert.ok(d.found);
      assert.equal(d.path, real);
    } finally {
      process.chdir(cwd);
    }
  });

  it('a relative path setting means the run\'s folder, resolved to an absolute path; without a folder it is refused', async () => {
    const folder = path.join(root, 'workspace');
    const file = fakeCli(path.join(folder, 'node_modules', '.bin'));
    const d = await locateCli(claudeAgent, ctx({ configuredPath: 'node_modules/.bin/claude', baseDir: folder }));
    assert.ok(d.found);
    assert.equal(d.path, file);
    assert.ok(path.isAbsolute(d.launch.command));
    const refused = await locateCli(claudeAgent, ctx({ configuredPath: 'node_modules/.bin/claude' }));
    assert.equal(refused.found, false);
    assert.match(!refused.found ? refused.message : '', /is a relative path .* use a full path/);
  });

  it('a miss says what was searched and how to install', async () => {
    const d = await locateCli(claudeAgent, ctx({ env: { PATH: path.join(root, 'empty') }, settingIgnoredUntrusted: true }));
    assert.equal(d.found, false);
    if (d.found) return;
    assert.match(d.message, /not found on PATH or in \d+ known install locations/);
    assert.match(d.message, /npm install -g @anthropic-ai\/claude-code/);
    assert.match(d.message, /agentRelay\.claude\.path/);
    assert.match(d.message, /ignored because this workspace is not trusted/);
  });
});

describe('DetectionCache', () => {
  const found = (p: string) => ({ found: true as const, agentId: 'claude', path: p, foundBy: 'PATH' as const, launch: { command: p, argsPrefix: [] }, trail: [], version: async () => undefined });
  const missing = { found: false as const, agentId: 'claude', trail: [], message: 'no' };

  it('shares one search between concurrent callers and caches per workspace', async () => {
    const cache = new DetectionCache();
    let searches = 0;
    const detect = async () => (searches++, found('/bin/claude'));
    await Promise.all([cache.get('ws1', 'claude', detect), cache.get('ws1', 'claude', detect), cache.get('ws1', 'claude', detect)]);
    assert.equal(searches, 1);
    await cache.get('ws2', 'claude', detect);
    assert.equal(searches, 2);
    cache.clear('claude');
    await cache.get('ws1', 'claude', detect);
    assert.equal(searches, 3);
  });

  it('does not remember misses: a CLI installed a moment ago is found next time', async () => {
    const cache = new DetectionCache();
    let installed = false;
    const detect = async () => (installed ? found('/bin/claude') : missing);
    assert.equal((await cache.get('ws', 'claude', detect)).found, false);
    installed = true;
    assert.equal((await cache.get('ws', 'claude', detect)).found, true);
  });
});

describe('search paths (Windows-shaped logic, checked on any OS)', () => {
  it('orders PATHEXT candidates .exe, .cmd, .bat, others, then the bare name', () => {
    assert.deepEqual(candidateNames('claude', { PATHEXT: '.COM;.EXE;.BAT;.CMD;.VBS;.JS' }, 'win32'), [
      'claude.exe', 'claude.cmd', 'claude.bat', 'claude.com', 'claude.vbs', 'claude.js', 'claude',
    ]);
    assert.deepEqual(candidateNames('claude', {}, 'win32'), ['claude.exe', 'claude.cmd', 'claude.bat', 'claude.com', 'claude']);
    assert.deepEqual(candidateNames('claude', { PATHEXT: '.EXE' }, 'linux'), ['claude']);
  });

  it('reads Path case-insensitively on Windows and splits on ;, dropping quotes and repeats', () => {
    const env = { Path: 'C:\\Windows;"C:\\Program Files\\nodejs";;C:\\Windows' };
    assert.equal(envValue(env, 'PATH', 'win32'), env.Path);
    assert.equal(envValue(env, 'PATH', 'linux'), undefined);
    assert.deepEqual(pathDirectories(env, 'win32'), ['C:\\Windows', 'C:\\Program Files\\nodejs']);
    assert.deepEqual(pathDirectories({ PATH: '/usr/bin::/bin:/usr/bin' }, 'linux'), ['/usr/bin', '/bin']);
  });

  it('knows the Windows install locations (npm global, volta, pnpm, nvm-windows)', () => {
    const dirs = commonInstallDirs('C:\\Users\\ada', { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming', LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local', NVM_SYMLINK: 'C:\\nvm4w\\nodejs' }, 'win32');
    assert.ok(dirs.includes('C:\\Users\\ada\\AppData\\Roaming\\npm'));
    assert.ok(dirs.includes('C:\\Users\\ada\\AppData\\Local\\Volta\\bin'));
    assert.ok(dirs.includes('C:\\Users\\ada\\AppData\\Local\\pnpm'));
    assert.ok(dirs.includes('C:\\nvm4w\\nodejs'));
    assert.equal(claudeAgent.knownLocations('C:\\Users\\ada', {}, 'win32').length > 0, true);
  });

  it('expands ~ and ${env:NAME} for both path styles', () => {
    assert.equal(expandUserPath('~/bin/claude', '/home/ada', {}, 'linux'), '/home/ada/bin/claude');
    assert.equal(expandUserPath('${env:TOOLS}/claude', '/home/ada', { TOOLS: '/opt/t' }, 'linux'), '/opt/t/claude');
    assert.equal(expandUserPath('~\\bin\\claude.exe', 'C:\\Users\\ada', {}, 'win32'), 'C:\\Users\\ada\\bin\\claude.exe');
    assert.equal(expandUserPath('${env:localappdata}\\x.exe', 'C:\\Users\\ada', { LOCALAPPDATA: 'C:\\L' }, 'win32'), 'C:\\L\\x.exe');
  });
});

describe('resolveCmdShim (npm cmd-shim on Windows)', () => {
  // The shape npm's cmd-shim writes for a native binary and for a node script.
  const exeShim = [
    '@ECHO off',
    'GOTO start',
    ':find_dp0',
    'SET dp0=%~dp0',
    'EXIT /b',
    ':start',
    'SETLOCAL',
    'CALL :find_dp0',
    '"%dp0%\\node_modules\\@anthropic-ai\\claude-code\\bin\\claude.exe"   %*',
    '',
  ].join('\r\n');
  const nodeShim = [
    '@ECHO off',
    'GOTO start',
    ':find_dp0',
    'SET dp0=%~dp0',
    'EXIT /b',
    ':start',
    'SETLOCAL',
    'CALL :find_dp0',
    '',
    'IF EXIST "%dp0%\\node.exe" (',
    '  SET "_prog=%dp0%\\node.exe"',
    ') ELSE (',
    '  SET "_prog=node"',
    '  SET PATHEXT=%PATHEXT:;.JS;=;%',
    ')',
    '',
    'endLocal & goto #_undefined_# 2>NUL || title %COMSPEC% & "%_prog%"  "%dp0%\\node_modules\\@google\\gemini-cli\\bundle\\gemini.js" %*',
    '',
  ].join('\r\n');

  it('runs the native .exe directly, without cmd.exe (and without needing a Node)', () => {
    assert.deepEqual(resolveCmdShim('C:\\Users\\ada\\AppData\\Roaming\\npm\\claude.cmd', exeShim), {
      command: 'C:\\Users\\ada\\AppData\\Roaming\\npm\\node_modules\\@anthropic-ai\\claude-code\\bin\\claude.exe',
      argsPrefix: [],
    });
  });

  it('runs a script shim as node <script>', () => {
    assert.deepEqual(resolveCmdShim('C:\\npm\\gemini.cmd', nodeShim, 'C:\\nodejs\\node.exe'), {
      command: 'C:\\nodejs\\node.exe',
      argsPrefix: ['C:\\npm\\node_modules\\@google\\gemini-cli\\bundle\\gemini.js'],
    });
  });

  it('never runs a bare node: the one beside the shim first, then each absolute PATH entry; none means not runnable', () => {
    assert.deepEqual(shimNodeCandidates('C:\\npm', ['C:\\nodejs', '.', 'tools', 'D:\\bin']), ['C:\\npm\\node.exe', 'C:\\nodejs\\node.exe', 'D:\\bin\\node.exe']);
    assert.equal(resolveCmdShim('C:\\npm\\gemini.cmd', nodeShim), undefined);
  });

  it('declines files it does not understand', () => {
    assert.equal(resolveCmdShim('C:\\x\\tool.cmd', '@echo off\r\necho hi\r\n'), undefined);
    assert.equal(resolveCmdShim('C:\\x\\tool.bat', 'call "%dp0%\\other.bat" %*'), undefined);
  });
});
