import * as path from 'node:path';
import { tmpNameFor } from './atomicWrite';
import { KEY_FILE_NAME, READ_LIMITS } from './cacheLayout';
import { CacheSecretError, decodeSecret, encodeSecret, newCacheSecret, type CacheSecret } from './cacheSecret';
import { describeRefusal, errorCode, isForeign, nodeFs, RefusedPath, type CacheFs } from './fsLike';

/** The environment variable the headless CLI reads the cache secret from (base64 of 32+ random bytes). */
export const SECRET_ENV = 'AGENT_RELAY_CACHE_SECRET';

export interface HeadlessSecret {
  secret: CacheSecret;
  /**
   * `env`: from AGENT_RELAY_CACHE_SECRET. `key-file`: from the key file beside
   * the cache. `new-key-file`: just created there. `ephemeral`: none found and
   * `create` was false: a random secret for this process only (everything
   * stored before is then unverifiable, and verify deletes none of it).
   */
  source: 'env' | 'key-file' | 'new-key-file' | 'ephemeral';
  file?: string;
}

export interface HeadlessSecretOptions {
  /** The cache root (`--storage DIR`); the key file is `<root>/response-cache.key`. */
  root: string;
  env?: NodeJS.ProcessEnv;
  /** Create the key file when there is none (default true). */
  create?: boolean;
  fs?: CacheFs;
  platform?: NodeJS.Platform;
}

/**
 * The secret for headless use: AGENT_RELAY_CACHE_SECRET if set, else a key
 * file beside the cache that only the user may read (0600), created on first
 * use. The key file is the weaker option: whoever can write the cache can
 * usually read the file too (same user, same backups), so it stops accidents
 * and other users, not the user's own malware. Two processes creating it at
 * once agree on one key (hard link: first one wins).
 * Throws CacheSecretError for a malformed secret, or a key file that others
 * can read, that another user owns, or that is a link, a FIFO or oversized
 * (none of which is read, or followed).
 */
export async function loadHeadlessSecret(opts: HeadlessSecretOptions): Promise<HeadlessSecret> {
  const env = opts.env ?? process.env;
  const fromEnv = env[SECRET_ENV];
  if (fromEnv) {
    try {
      return { secret: decodeSecret(fromEnv), source: 'env' };
    } catch (err) {
      throw new CacheSecretError(`${SECRET_ENV}: ${(err as Error).message}`);
    }
  }
  const fs = opts.fs ?? nodeFs;
  const file = path.join(opts.root, KEY_FILE_NAME);
  const existing = await readKeyFile(fs, file, opts.platform ?? process.platform);
  if (existing) return { secret: existing, source: 'key-file', file };
  if (opts.create === false) return { secret: newCacheSecret(), source: 'ephemeral' };

  await fs.mkdir(opts.root, { recursive: true });
  const fresh = newCacheSecret();
  const tmp = tmpNameFor(file);
  await fs.writeFile(tmp, `${encodeSecret(fresh)}\n`, { exclusive: true, mode: 0o600, flush: true });
  try {
    await fs.link(tmp, file);
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') {
      // No hard links here (FAT, some network drives): exclusive create instead.
      await fs.writeFile(file, `${encodeSecret(fresh)}\n`, { exclusive: true, mode: 0o600, flush: true }).catch((e) => {
        if (errorCode(e) !== 'EEXIST') throw e;
      });
    }
  } finally {
    await fs.unlink(tmp).catch(() => undefined);
  }
  const adopted = await readKeyFile(fs, file, opts.platform ?? process.platform);
  if (!adopted) throw new CacheSecretError(`Could not create the cache key file ${file}.`);
  return { secret: adopted, source: adopted.keyId === fresh.keyId ? 'new-key-file' : 'key-file', file };
}

/**
 * Opened once without following a link or blocking (a FIFO), and judged by
 * the descriptor's fstat: what is checked is what is read.
 */
async function readKeyFile(fs: CacheFs, file: string, platform: NodeJS.Platform): Promise<CacheSecret | undefined> {
  let text: string;
  try {
    const { bytes, stat } = await fs.readFile(file, { maxBytes: READ_LIMITS.keyFile });
    if (platform !== 'win32') {
      if (isForeign(stat)) throw new CacheSecretError(`The cache key file ${file} is owned by another user (uid ${stat.uid}); remove it, or set ${SECRET_ENV}.`);
      if (stat.mode & 0o077) throw new CacheSecretError(`The cache key file ${file} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}); run \`chmod 600 ${file}\`.`);
    }
    text = bytes.toString('utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    if (err instanceof RefusedPath) throw new CacheSecretError(`The cache key file ${file} ${describeRefusal(err.refusal)}; it was not read. Remove it, or set ${SECRET_ENV}.`);
    throw err;
  }
  try {
    return decodeSecret(text);
  } catch (err) {
    throw new CacheSecretError(`The cache key file ${file} is not a valid key: ${(err as Error).message}`);
  }
}
