// The system packages the tests and the test host need, installed the way
// Playwright's `install-deps` does it: with apt-get when we are root or have
// passwordless sudo on Debian or Ubuntu; otherwise one message naming the exact
// command to run. Nothing is installed when everything is already there.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const { findBrowser, browserHint } = createRequire(import.meta.url)('./browser.cjs');

/** The executable named `name` on PATH (absolute entries only), or undefined. */
export function which(name, env = process.env, platform = process.platform) {
  const exts = platform === 'win32' ? (env.PATHEXT || '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH || '').split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir)) continue;
    for (const ext of exts) {
      const file = path.join(dir, name + ext);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // keep looking
      }
    }
  }
  return undefined;
}

export const onPath = (name) => which(name) !== undefined;

const krb5Headers = () => ['/usr/include/gssapi/gssapi.h', '/usr/include/gssapi.h', '/usr/local/include/gssapi/gssapi.h'].some(existsSync) || onPath('krb5-config');

/**
 * What each need is, how to check it, and its Debian package. `browser` has no
 * Ubuntu package that works in containers (chromium is a snap there).
 */
export const NEEDS = {
  browser: { what: 'a Chromium-family browser (browser and integration tests)', present: () => findBrowser() !== undefined, debian: 'chromium', ubuntu: null },
  ps: { what: 'ps (process checks)', present: () => onPath('ps'), debian: 'procps' },
  git: { what: 'git (sample workspaces, Codex)', present: () => onPath('git'), debian: 'git' },
  cxx: { what: 'a C++ compiler (code-server native modules)', present: () => onPath('g++') || onPath('c++'), debian: 'g++' },
  make: { what: 'make (code-server native modules)', present: () => onPath('make'), debian: 'make' },
  python3: { what: 'python3 (node-gyp)', present: () => onPath('python3'), debian: 'python3' },
  krb5: { what: 'Kerberos headers (code-server kerberos module)', present: krb5Headers, debian: 'libkrb5-dev' },
  ripgrep: { what: 'ripgrep (stands in for the rg download code-server would fetch)', present: () => onPath('rg'), debian: 'ripgrep' },
};

/** The needs of each step. */
export const CODE_SERVER_NEEDS = ['cxx', 'make', 'python3', 'krb5', 'ripgrep', 'git'];
export const TEST_NEEDS = [...new Set(['browser', 'ps', ...CODE_SERVER_NEEDS])];

function osRelease() {
  try {
    return Object.fromEntries(
      readFileSync('/etc/os-release', 'utf8')
        .split('\n')
        .map((l) => /^([A-Z_]+)=("?)(.*)\2$/.exec(l))
        .filter(Boolean)
        .map((m) => [m[1], m[3]]),
    );
  } catch {
    return {};
  }
}

/** 'debian', 'ubuntu' (and their derivatives), or undefined for anything without apt-get. */
export function aptFlavour(release = osRelease(), hasApt = onPath('apt-get')) {
  if (!hasApt) return undefined;
  const ids = `${release.ID ?? ''} ${release.ID_LIKE ?? ''}`;
  if (/\bubuntu\b/.test(ids)) return 'ubuntu';
  if (/\bdebian\b/.test(ids)) return 'debian';
  return undefined;
}

/** How to become root for apt-get: '' (we are root), 'sudo' (passwordless), or undefined (we cannot). */
function privilege() {
  if (typeof process.getuid === 'function' && process.getuid() === 0) return '';
  if (onPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return 'sudo';
  return undefined;
}

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', ...env } });
  return r.status === 0;
}

/**
 * Makes sure the named needs are met: installs missing Debian/Ubuntu packages
 * when it may, and otherwise throws one Error whose message says exactly what
 * to run. Returns the packages it installed.
 */
export function ensureSystem(names = TEST_NEEDS, log = (m) => process.stderr.write(`${m}\n`)) {
  const missing = names.filter((n) => !NEEDS[n].present());
  if (!missing.length) return [];
  const flavour = process.platform === 'linux' ? aptFlavour() : undefined;
  const list = missing.map((n) => `  - ${NEEDS[n].what}`).join('\n');
  if (!flavour) {
    const hints = missing.map((n) => (n === 'browser' ? browserHint() : n === 'cxx' || n === 'make' || n === 'python3' ? (process.platform === 'darwin' ? 'Build tools: run `xcode-select --install`.' : `Install ${NEEDS[n].debian} with your package manager.`) : `Install ${NEEDS[n].debian} with your package manager.`));
    throw new Error(`Agent Relay's tests need:\n${list}\n${[...new Set(hints)].join('\n')}`);
  }
  const packages = missing.map((n) => (flavour === 'ubuntu' && 'ubuntu' in NEEDS[n] ? NEEDS[n].ubuntu : NEEDS[n].debian));
  const installable = [...new Set(packages.filter(Boolean))];
  const manual = missing.filter((_, i) => !packages[i]);
  const command = `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${installable.join(' ')}`;
  const sudo = privilege();
  if (installable.length && sudo === undefined) {
    throw new Error(`Agent Relay's tests need:\n${list}\nInstall them with:\n  ${command}${manual.length ? `\n${browserHint()}` : ''}`);
  }
  if (installable.length) {
    log(`Installing the system packages the tests need: ${installable.join(' ')}`);
    const prefix = sudo ? [sudo] : [];
    const [cmd, ...pre] = [...prefix, 'apt-get'];
    const ok = run(cmd, [...pre, 'update', '-qq']) && run(cmd, [...pre, 'install', '-y', '-qq', '--no-install-recommends', ...installable]);
    if (!ok) throw new Error(`Installing ${installable.join(' ')} failed (see apt-get's output above). Run it yourself:\n  ${command}`);
  }
  const still = names.filter((n) => !NEEDS[n].present());
  if (still.length) {
    throw new Error(`Still missing after installing packages:\n${still.map((n) => `  - ${NEEDS[n].what}`).join('\n')}${still.includes('browser') ? `\n${browserHint()}` : ''}`);
  }
  return installable;
}
