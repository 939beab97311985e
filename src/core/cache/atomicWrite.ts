import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { CacheTree } from './cacheTree';
import { crashPoint, die, shouldCrash } from './crashPoints';
import { errorCode, type CacheFs } from './fsLike';

/** Suffix of every temporary file; sweeps remove old ones (a killed writer leaves them behind). */
export const TMP_SUFFIX = '.tmp';

export interface RetryOptions {
  /** Total tries, the first included. */
  attempts: number;
  /** First back-off; doubles per retry. */
  baseDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
}

/** About 0.3 s in all: enough for an indexer or antivirus to let go, short enough not to stall a run. */
export const DEFAULT_RETRY: RetryOptions = { attempts: 6, baseDelayMs: 10 };

/**
 * Windows refuses a rename for a moment while another process (antivirus,
 * search indexer, another window reading the old entry) holds the target
 * open, with EPERM, EACCES or EBUSY. Neither Node nor write-file-atomic
 * retries that when the target exists, so we do, a bounded number of times.
 * Elsewhere these codes are rare and the cost of retrying is the same.
 */
const TRANSIENT_RENAME = new Set(['EPERM', 'EACCES', 'EBUSY']);

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function renameWithRetry(fs: CacheFs, from: string, to: string, retry: RetryOptions = DEFAULT_RETRY): Promise<void> {
  const sleep = retry.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fs.rename(from, to);
    } catch (err) {
      if (attempt >= retry.attempts || !TRANSIENT_RENAME.has(errorCode(err) ?? '')) throw err;
      await sleep(retry.baseDelayMs * 2 ** (attempt - 1));
    }
  }
}

export interface AtomicWriteOptions {
  /** fsync before the rename: survives power loss, costs a disk flush. */
  flush?: boolean;
  retry?: RetryOptions;
  /** Default 0600: entries hold tool output and paths. */
  mode?: number;
  /**
   * Inside the cache folder: its folders are checked (and made) level by level
   * before every write, so nothing is written through a planted link or file.
   * Without it (tests, files outside the cache), the folder is made if missing.
   */
  tree?: CacheTree;
  /** Honour AGENT_RELAY_CACHE_CRASH_AT here (entry writes; see crashPoints.ts). */
  crashPoints?: boolean;
}

/** A unique sibling name: the pid tells a sweeper whose it was, the random part avoids collisions. */
export function tmpNameFor(file: string, tag = ''): string {
  return `${file}.${process.pid}.${randomBytes(6).toString('hex')}${tag}${TMP_SUFFIX}`;
}

/**
 * Writes a whole file or nothing: a temporary sibling written exclusively,
 * then renamed over the target (atomic within a directory, on every platform
 * we support). A reader sees the old file or the new one, never a mix; a crash
 * leaves at most an orphaned temporary file. Creates the directory if needed.
 * The temporary file is created exclusively (O_EXCL, which never follows a
 * link) and the rename replaces whatever name is at `file`, a link included,
 * without writing to a link's target.
 */
export async function writeAtomic(fs: CacheFs, file: string, data: Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const tmp = tmpNameFor(file);
  const dir = path.dirname(file);
  const ensureDir = () => (opts.tree ? opts.tree.ensureDir(dir) : fs.mkdir(dir, { recursive: true }));
  const crashMidWrite = opts.crashPoints === true && shouldCrash('mid-tmp-write');
  const mode = opts.mode ?? 0o600;
  const write = async () => {
    if (crashMidWrite) {
      await fs.writeFile(tmp, data.subarray(0, data.length >> 1), { exclusive: true, mode });
      die();
    }
    await fs.writeFile(tmp, data, { exclusive: true, flush: opts.flush, mode });
  };
  if (opts.tree) await ensureDir();
  try {
    await write();
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
    await ensureDir(); // made now, or moved away by a clear meanwhile
    await write();
  }
  if (opts.crashPoints) crashPoint('after-tmp-write');
  try {
    await renameWithRetry(fs, tmp, file, opts.retry);
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined);
    throw err;
  }
  if (opts.crashPoints) crashPoint('after-rename');
}
