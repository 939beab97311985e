#!/usr/bin/env node
// Installs the pinned tools the integration tests drive, into the ignored
// `.vscode-test/` folder, on demand and idempotently. None of them is a
// dependency of the extension: they are what a user would have on their machine.
//
//   node scripts/ensure-test-tools.mjs [code-server] [claude]   (default: all)
//
// Prints one JSON line per tool with where it landed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
// cached archive, which Debian's ripgrep satisfies.
function seedRipgrepCache() {
  const rg = ['/usr/bin/rg', '/usr/local/bin/rg'].find(existsSync);
  if (!rg) throw new Error('ripgrep is missing: install it (Debian: apt-get install ripgrep)');
  const dir = join(process.env.TMPDIR || tmpdir(), 'vscode-ripgrep-cache-1.15.11');
  const archive = join(dir, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
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
  if (name === 'code-server') seedRipgrepCache();
  const started = Date.now();
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', `${t.pkg}@${t.version}`], {
    cwd: dir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      npm_config_unsafe_perm: 'true', // code-server's postinstall refuses root otherwise
      npm_config_yes: 'true', // node-pty's postinstall runs npx, which would prompt
    },
  });
  if (r.status !== 0) throw new Error(`npm install ${t.pkg}@${t.version} failed (exit ${r.status}); see the output above`);
  if (!existsSync(bin)) throw new Error(`${t.pkg} installed but ${bin} is missing`);
  writeFileSync(marker, `${t.pkg}@${t.version} ${new Date().toISOString()} ${Date.now() - started}ms\n`);
  return { name, version: t.version, bin, fresh: true };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  for (const name of names.length ? names : Object.keys(TOOLS)) {
    console.log(JSON.stringify(ensureTool(name)));
  }
}
