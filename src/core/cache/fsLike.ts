import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import { promisify } from 'node:util';

/** What the cache needs from a file's metadata. */
export interface FileStat {
  size: number;
  mtimeMs: number;
  mode: number;
  isFile(): boolean;
  isDirectory(): boolean;
}

/**
 * Every file-system call the cache makes, so tests can inject faults
 * (ENOSPC, EROFS, EACCES, a Windows-style EPERM on rename) per call: CI runs as
 * root, where chmod does not make writes fail.
 */
export interface CacheFs {
  readFile(file: string): Promise<Buffer>;
  /** Up to `length` bytes from the start of a file (sweeps read headers only). */
  readPrefix(file: string, length: number): Promise<Buffer>;
  /** `exclusive` fails with EEXIST when the file exists; `flush` fsyncs before close. */
  writeFile(file: string, data: Uint8Array | string, opts: { exclusive: boolean; flush?: boolean; mode?: number }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Hard link; fails with EEXIST when `to` exists (an atomic "create if absent"). */
  link(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
  /** Recursive; no error when it exists. */
  mkdir(dir: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  stat(file: string): Promise<FileStat>;
  utimes(file: string, atime: Date, mtime: Date): Promise<void>;
  /** Recursive and forced (no error when absent). */
  rm(target: string): Promise<void>;
}

// The callback API, promisified: measurably cheaper per call than fs/promises
// (no FileHandle objects), which is most of a disk hit's cost.
const cb = {
  writeFile: promisify(fs.writeFile),
  rename: promisify(fs.rename),
  open: promisify(fs.open),
  fstat: promisify(fs.fstat),
  read: promisify(fs.read),
  close: promisify(fs.close),
};

const FIRST_READ = 64 * 1024;

/**
 * Reads a whole file (or its first `limit` bytes): open, one read, close.
 * Entries are immutable and usually small, so a short first read is the whole
 * file and no fstat is needed; three calls instead of readFile's four or five
 * are a quarter of a disk hit.
 */
async function readWhole(file: string, limit = Infinity): Promise<Buffer> {
  const fd = await cb.open(file, 'r');
  try {
    const first = Math.min(FIRST_READ, limit);
    const buf = Buffer.allocUnsafe(first);
    const { bytesRead } = await cb.read(fd, buf, 0, first, 0);
    if (bytesRead < first || first === limit) return buf.subarray(0, bytesRead);
    const size = Math.min((await cb.fstat(fd)).size, limit);
    const all = Buffer.allocUnsafe(Math.max(size, bytesRead));
    buf.copy(all, 0, 0, bytesRead);
    let got = bytesRead;
    while (got < all.length) {
      const { bytesRead: n } = await cb.read(fd, all, got, all.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return all.subarray(0, got);
  } finally {
    await cb.close(fd);
  }
}

export const nodeFs: CacheFs = {
  readFile: (f) => readWhole(f),
  readPrefix: (f, length) => readWhole(f, length),
  writeFile: (f, data, o) => cb.writeFile(f, data, { flag: o.exclusive ? 'wx' : 'w', flush: o.flush ?? false, mode: o.mode }),
  rename: (a, b) => cb.rename(a, b),
  link: (a, b) => fsp.link(a, b),
  unlink: (f) => fsp.unlink(f),
  mkdir: async (d) => {
    await fsp.mkdir(d, { recursive: true });
  },
  readdir: (d) => fsp.readdir(d),
  stat: (f) => fsp.stat(f),
  utimes: (f, a, m) => fsp.utimes(f, a, m),
  rm: (t) => fsp.rm(t, { recursive: true, force: true, maxRetries: 3 }),
};

export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
}

/**
 * Errors that mean the storage itself is unusable (full, read-only, not ours),
 * as opposed to a lost race with another process (ENOENT, EEXIST), which is
 * only a miss.
 */
const UNUSABLE = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'EFBIG', 'ENAMETOOLONG']);

export function isStorageUnusable(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && UNUSABLE.has(code);
}
