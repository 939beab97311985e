#!/usr/bin/env node
// The tests' bootstrap, which `npm test` runs first: the system packages the
// tests need (see lib/system.mjs), then the pinned tools the tests drive, into
// the ignored `.vscode-test/` folder, on demand and idempotently. None of the
// tools is a dependency of the extension: they are what a user would have on
// their machine.
//
//   node scripts/ensure-test-tools.mjs [code-server] [claude] …   (default: everything)
//
// Prints one JSON line per tool with where it landed; on a problem, one
// message saying what to do, and exit code 1.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localNodeHeaders } from './lib/nodeHeaders.mjs';
import { CODE_SERVER_NEEDS, ensureSystem, TEST_NEEDS, which } from './lib/system.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const toolsDir = join(root, '.vscode-test');

export const TOOLS = {
  'code-server': {
    pkg: 'code-server',
    version: '4.100.3', // VS Code 1.100.3; later releases need Node 24
    bin: 'node_modules/.bin/code-server',
  },
  claude: {
    pkg: '@anthropic-ai/claude-code',
    version: '2.1.197', // the version the recorded transcripts came from
    bin: 'node_modules/.bin/claude',
  },
  codex: {
    pkg: '@openai/codex',
    version: '0.169.0',
    bin: 'node_modules/.bin/codex',
  },
  gemini: {
    pkg: '@google/gemini-cli',
    version: '0.61.0',
    bin: 'node_modules/.bin/gemini',
  },
  opencode: {
    pkg: 'opencode-ai',
    version: '1.18.33',
    bin: 'node_modules/.bin/opencode',
  },
};

/** Absolute path of a tool's executable (installed or not). */
export function toolBin(name) {
  const t = TOOLS[name];
  return join(toolsDir, `${name}-${t.version}`, t.bin);
}

// @vscode/ripgrep's postinstall downloads rg from GitHub; it first looks for a
// cached archive, which the system's ripgrep satisfies (Linux x64 and arm64;
// elsewhere the download is left to the postinstall).
const RG_TARGETS = { x64: 'x86_64-unknown-linux-musl', arm64: 'aarch64-unknown-linux-musl' };
function seedRipgrepCache() {
  const target = process.platform === 'linux' ? RG_TARGETS[process.arch] : undefined;
  if (!target) return;
  const rg = which('rg');
  if (!rg) throw new Error('ripgrep is missing: install it (Debian: apt-get install ripgrep)');
  const dir = join(process.env.TMPDIR || tmpdir(), 'vscode-ripgrep-cache-1.15.11');
  const archive = join(dir, `ripgrep-v13.0.0-10-${target}.tar.gz`);
  if (existsSync(archive)) return;
  const stage = join(dir, 'stage');
  mkdirSync(stage, { recursive: true });
  copyFileSync(rg, join(stage, 'rg'));
  execFileSync('tar', ['-czf', archive, '-C', stage, 'rg']);
  rmSync(stage, { recursive: true, force: true });
}

export function ensureTool(name) {
  const t = TOOLS[name];
  if (!t) throw new Error(`unknown tool ${name}`);
  const dir = join(toolsDir, `${name}-${t.version}`);
  const marker = join(dir, '.installed');
  const bin = toolBin(name);
  if (existsSync(marker) && existsSync(bin)) return { name, version: t.version, bin, fresh: false };

  mkdirSync(dir, { recursive: true });
  // npm 11 runs dependency install scripts only when the installing project approves them.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    private: true,
    description: 'Test tool for Agent Relay, installed on demand; not part of the extension.',
    allowScripts: { [t.pkg]: true },
  }, null, 2));
  const env = {
    ...process.env,
    npm_config_unsafe_perm: 'true', // code-server's postinstall refuses root otherwise
    npm_config_yes: 'true', // node-pty's postinstall runs npx, which would prompt
  };
  if (name === 'code-server') {
    ensureSystem(CODE_SERVER_NEEDS);
    seedRipgrepCache();
    // Its native modules fall back to node-gyp, which must not fetch Node's headers from the internet.
    const headers = localNodeHeaders();
    if (headers.error) throw headers.error;
    if (headers.nodedir) env.npm_config_nodedir = headers.nodedir;
  }
  const started = Date.now();
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', `${t.pkg}@${t.version}`], {
    cwd: dir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
  });
  if (r.status !== 0) throw new Error(`npm install ${t.pkg}@${t.version} failed (exit ${r.status}); see the output above`);
  if (!existsSync(bin)) throw new Error(`${t.pkg} installed but ${bin} is missing`);
  writeFileSync(marker, `${t.pkg}@${t.version} ${new Date().toISOString()} ${Date.now() - started}ms\n`);
  return { name, version: t.version, bin, fresh: true };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  try {
    if (!names.length) ensureSystem(TEST_NEEDS);
    for (const name of names.length ? names : Object.keys(TOOLS)) console.log(JSON.stringify(ensureTool(name)));
  } catch (err) {
    console.error(`\n${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
