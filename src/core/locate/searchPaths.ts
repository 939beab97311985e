import * as path from 'node:path';
import { envValue, type Env } from '../util/env';

function pathApi(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** The directories of `PATH`, in order, without empties or duplicates. */
export function pathDirectories(env: Env, platform: NodeJS.Platform): string[] {
  const raw = envValue(env, 'PATH', platform) ?? '';
  const sep = platform === 'win32' ? ';' : ':';
  const dirs = raw
    .split(sep)
    .map((d) => d.trim().replace(/^"(.*)"$/, '$1'))
    .filter(Boolean);
  return [...new Set(dirs)];
}

/**
 * File names to try for an executable. On Windows: the `PATHEXT` extensions,
 * with `.exe` first (spawnable without a shell), then `.cmd`/`.bat` shims (which
 * we resolve to their target), then the rest; a bare name last.
 */
export function candidateNames(name: string, env: Env, platform: NodeJS.Platform): string[] {
  if (platform !== 'win32') return [name];
  const exts = (envValue(env, 'PATHEXT', platform) ?? '.COM;.EXE;.BAT;.CMD')
    .split(';')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e.startsWith('.'));
  const rank = (e: string) => (e === '.exe' ? 0 : e === '.cmd' ? 1 : e === '.bat' ? 2 : 3);
  const ordered = [...new Set(exts)].sort((a, b) => rank(a) - rank(b));
  return [...ordered.map((e) => name + e), name];
}

/**
 * Install locations shared by every npm-installed CLI: npm's global prefix,
 * version managers' shims (nvm, volta, asdf, mise, fnm, pnpm, bun) and Homebrew.
 * Graphical launches on macOS and Linux often miss these on `PATH`.
 */
export function commonInstallDirs(home: string, env: Env, platform: NodeJS.Platform): string[] {
  const p = pathApi(platform);
  const dirs: string[] = [];
  const add = (d: string | undefined) => d && dirs.push(d);
  const prefix = env.npm_config_prefix ?? env.NPM_CONFIG_PREFIX;
  if (platform === 'win32') {
    const appData = envValue(env, 'APPDATA', platform) ?? p.join(home, 'AppData', 'Roaming');
    const localAppData = envValue(env, 'LOCALAPPDATA', platform) ?? p.join(home, 'AppData', 'Local');
    add(prefix);
    add(p.join(appData, 'npm'));
    add(envValue(env, 'NVM_SYMLINK', platform));
    add(p.join(localAppData, 'Volta', 'bin'));
    add(envValue(env, 'PNPM_HOME', platform) ?? p.join(localAppData, 'pnpm'));
    add(p.join(home, '.bun', 'bin'));
    return dirs;
  }
  add(prefix && p.join(prefix, 'bin'));
  add(p.join(home, '.npm-global', 'bin'));
  add(env.NVM_BIN);
  add(env.VOLTA_HOME ? p.join(env.VOLTA_HOME, 'bin') : p.join(home, '.volta', 'bin'));
  add(p.join(home, '.asdf', 'shims'));
  add(p.join(home, '.local', 'share', 'mise', 'shims'));
  add(p.join(home, '.local', 'share', 'fnm', 'aliases', 'default', 'bin'));
  if (platform === 'darwin') add(p.join(home, 'Library', 'Application Support', 'fnm', 'aliases', 'default', 'bin'));
  add(env.PNPM_HOME ?? (platform === 'darwin' ? p.join(home, 'Library', 'pnpm') : p.join(home, '.local', 'share', 'pnpm')));
  add(p.join(home, '.bun', 'bin'));
  add('/opt/homebrew/bin');
  add('/usr/local/bin');
  add('/home/linuxbrew/.linuxbrew/bin');
  return dirs;
}

/** Expands `~` and `${env:NAME}` in a user-supplied path. */
export function expandUserPath(value: string, home: string, env: Env, platform: NodeJS.Platform): string {
  let out = value.trim().replace(/\$\{env:([^}]+)\}/g, (_, name: string) => envValue(env, name, platform) ?? '');
  if (out === '~' || out.startsWith('~/') || (platform === 'win32' && out.startsWith('~\\'))) {
    out = pathApi(platform).join(home, out.slice(1));
  }
  return out;
}
