// Node's C headers for building native modules (code-server's argon2, kerberos,
// node-pty) without node-gyp downloading them from the internet. Official Node
// builds and Linux distributions' nodejs packages install them beside Node
// itself (<prefix>/include/node); we point node-gyp there after checking that
// they belong to the Node that is running.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The version a node_version.h declares, as "v20.20.2", or undefined. */
export function headerVersion(text) {
  const part = (name) => new RegExp(`#define\\s+NODE_${name}_VERSION\\s+(\\d+)`).exec(text)?.[1];
  const [major, minor, patch] = ['MAJOR', 'MINOR', 'PATCH'].map(part);
  return major && minor && patch ? `v${major}.${minor}.${patch}` : undefined;
}

function versionAt(dir) {
  const file = path.join(dir, 'include', 'node', 'node_version.h');
  return existsSync(file) ? headerVersion(readFileSync(file, 'utf8')) : undefined;
}

/** node-gyp's own cache of downloaded headers (filled on machines that were online once). */
function nodeGypCache(version, env = process.env, platform = process.platform, home = os.homedir()) {
  const base = env.npm_config_devdir || (platform === 'darwin' ? path.join(home, 'Library', 'Caches', 'node-gyp') : platform === 'win32' ? path.join(env.LOCALAPPDATA || home, 'node-gyp', 'Cache') : path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'node-gyp'));
  return path.join(base, version.replace(/^v/, ''));
}

/**
 * The folder to give node-gyp as `nodedir` for the running Node, or an Error
 * saying what to do. A folder the user chose (npm_config_nodedir) is checked,
 * not overridden.
 */
export function localNodeHeaders({ execPath = process.execPath, version = process.version, env = process.env } = {}) {
  const chosen = env.npm_config_nodedir || env.NPM_CONFIG_NODEDIR;
  const candidates = chosen ? [chosen] : [path.dirname(path.dirname(realpathSync(execPath)))];
  for (const dir of candidates) {
    const found = versionAt(dir);
    if (found === version) return { nodedir: dir };
    if (found) return { error: new Error(`The Node headers in ${path.join(dir, 'include', 'node')} are for ${found}, but Node ${version} is running: native modules built against them would not load. Install the headers that match (the nodejs package of the same version), or set npm_config_nodedir to a folder holding include/node for ${version}.`) };
  }
  if (!chosen && versionAt(nodeGypCache(version, env))) return { nodedir: undefined }; // node-gyp finds its cache itself
  return {
    error: new Error(
      `Node's C headers for ${version} are not beside Node (${path.join(candidates[0], 'include', 'node')}), so node-gyp would download them from the internet to build code-server's native modules. ` +
        'Install them (official Node builds and most nodejs packages include them; on Debian with its own nodejs: `sudo apt-get install libnode-dev`), ' +
        `or set npm_config_nodedir to a folder holding include/node for ${version}.`,
    ),
  };
}
