import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import { promisify } from 'node:util';

/** What the cache needs from a file's metadata (always of the path itself: lstat or fstat, never a link's target). */
export interface FileStat {
  size: number;
  mtimeMs: number;
  mode: number;
  uid: number;
  ino: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

export type EntryType = 'file' | 'dir' | 'link' | 'special';

/** One name in a folder, typed without following it (readdir withFileTypes). */
export interface DirEntry {
  name: string;
  type: EntryType;
}

export interface FileRead {
  bytes: Buffer;
  /** fstat of the descriptor the bytes came through. */
  stat: FileStat;
}

/**
 * Every file-system call the cache makes, so tests can inject faults
 * (ENOSPC, EROFS, EACCES, a Windows-style EPERM on rename) per call: CI runs as
 * root, where chmod does not make writes fail. Nothing here follows a link at
 * the end of a path except `rename`'s and `link`'s source, which name links
 * themselves anyway.
 */
export interface CacheFs {
  /**
   * A regular file of at most `maxBytes` (the first `prefix` bytes only, when
   * given), read once through one descriptor. Throws RefusedPath for a link, a
   * FIFO, a device, a folder or a bigger file, without reading (or blocking on) it.
   */
  readFile(file: string, opts: { maxBytes: number; prefix?: number }): Promise<FileRead>;
  /** `exclusive` fails with EEXIST when the file exists (a link included); `flush` fsyncs before close; files are created 0600 unless `mode` says otherwise. */
  writeFile(file: string, data: Uint8Array | string, opts: { exclusive: boolean; flush?: boolean; mode?: number }): Promise<void>;
  /** Renames the path itself (a link is moved, not its target). */
  rename(from: string, to: string): Promise<void>;
  /** Hard link; fails with EEXIST when `to` exists (an atomic "create if absent"). */
  link(from: string, to: string): Promise<void>;
  /** Removes a file or a link (as a link). */
  unlink(file: string): Promise<void>;
  /** Creates a folder 0700; EEXIST when something is there, unless `recursive` (for the root the host gives us). */
  mkdir(dir: string, opts?: { recursive?: boolean }): Promise<void>;
  /** Removes an empty folder. */
  rmdir(dir: string): Promise<void>;
  readdir(dir: string): Promise<DirEntry[]>;
  lstat(file: string): Promise<FileStat>;
  /** Sets the times of the path itself: a link's own times, never its target's. */
  utimes(file: string, atime: Date, mtime: Date): Promise<void>;
  /** Sets the mode of a regular file or folder at `file`, through a descriptor opened without following a link. */
  chmod(file: string, mode: number): Promise<void>;
}

/** Why the cache would not read, write or walk a path. */
export type Refusal = 'link' | 'not-a-file' | 'not-a-folder' | 'too-large' | 'foreign-owner';

const REFUSALS: Record<Refusal, string> = {
  link: 'is a symbolic link',
  'not-a-file': 'is not a regular file',
  'not-a-folder': 'is not a folder',
  'too-large': 'is larger than the cache allows',
  'foreign-owner': 'is owned by another user',
};

/**
 * A path the cache will not use: what is there is not what belongs there.
 * Never "storage unusable": it is a damaged or hostile cache folder, which
 * verify reports and repairs, and meanwhile a miss or "not stored".
 */
export class RefusedPath extends Error {
  readonly code = 'EREFUSED';

  constructor(
    readonly path: string,
    readonly refusal: Refusal,
    /** fstat/lstat of what was refused, when known (to remove exactly that thing later). */
    readonly stat?: FileStat,
  ) {
    super(`${path} ${REFUSALS[refusal]}`);
  }
}

export function describeRefusal(refusal: Refusal): string {
  return REFUSALS[refusal];
}

/** This process's user, or undefined where there are no POSIX owners (Windows). */
export const OWN_UID: number | undefined = typeof process.getuid === 'function' ? process.getuid() : undefined;

/** Owned by another user (POSIX): the cache neither removes nor walks it. */
export function isForeign(st: Pick<FileStat, 'uid'>, uid = OWN_UID): boolean {
  return uid !== undefined && st.uid !== uid;
}

// The callback API, promisified: measurably cheaper per call than fs/promises
// (no FileHandle objects), which is most of a disk hit's cost.
const cb = {
  writeFile: promisify(fs.writeFile),
  rename: promisify(fs.rename),
  open: promisify(fs.open),
  fstat: promisify(fs.fstat),
  fchmod: promisify(fs.fchmod),
  read: promisify(fs.read),
  close: promisify(fs.close),
  lstat: promisify(fs.lstat),
};

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
/**
 * O_NOFOLLOW: a link at the end of the path fails the open (ELOOP) instead of
 * being followed. O_NONBLOCK: opening a FIFO returns at once instead of waiting
 * for a writer, so no thread of libuv's pool (shared by every extension in a
 * VS Code host) is ever parked on one; the fstat then refuses it. Regular files
 * ignore O_NONBLOCK. Windows has neither flag (nor FIFOs in the file system):
 * there an lstat comes first.
 */
const SAFE_OPEN = typeof O_NOFOLLOW === 'number' && typeof O_NONBLOCK === 'number';
const OPEN_FLAGS = SAFE_OPEN ? O_RDONLY | O_NOFOLLOW | O_NONBLOCK : 'r';

function refuseUnlessRegular(file: string, st: FileStat, maxBytes: number): void {
  if (st.isSymbolicLink()) throw new RefusedPath(file, 'link', st);
  if (!st.isFile()) throw new RefusedPath(file, 'not-a-file', st);
  if (st.size > maxBytes) throw new RefusedPath(file, 'too-large', st);
}

async function openForReading(file: string): Promise<number> {
  if (!SAFE_OPEN) refuseUnlessRegular(file, await cb.lstat(file), Infinity);
  try {
    return await cb.open(file, OPEN_FLAGS);
  } catch (err) {
    // ELOOP (EMLINK on FreeBSD): the link O_NOFOLLOW refused. ENXIO: a socket, which cannot be opened.
    if (errorCode(err) === 'ELOOP' || errorCode(err) === 'EMLINK') throw new RefusedPath(file, 'link');
    if (errorCode(err) === 'ENXIO') throw new RefusedPath(file, 'not-a-file');
    throw err;
  }
}

/**
 * open (no link, no blocking), fstat (a regular file within the bound, else
 * refused before a byte is read), one read of exactly that size, close. The
 * fstat costs one call over a blind read, and is what makes a planted FIFO or
 * a 2 GB sparse file a refusal instead of a hang or a 4 GB allocation.
 */
async function readBounded(file: string, maxBytes: number, prefix = Infinity): Promise<FileRead> {
  const fd = await openForReading(file);
  try {
    const stat = await cb.fstat(fd);
    refuseUnlessRegular(file, stat, maxBytes);
    const want = Math.min(stat.size, prefix);
    const bytes = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await cb.read(fd, bytes, got, want - got, got);
      if (bytesRead === 0) break; // cut short meanwhile: the caller sees a short file
      got += bytesRead;
    }
    return { bytes: got === want ? bytes : bytes.subarray(0, got), stat };
  } finally {
    await cb.close(fd);
  }
}

function typeOf(d: fs.Dirent): EntryType {
  if (d.isSymbolicLink()) return 'link';
  if (d.isDirectory()) return 'dir';
  if (d.isFile()) return 'file';
  return 'special';
}

export const nodeFs: CacheFs = {
  readFile: (f, o) => readBounded(f, o.maxBytes, o.prefix),
  writeFile: (f, data, o) => cb.writeFile(f, data, { flag: o.exclusive ? 'wx' : 'w', flush: o.flush ?? false, mode: o.mode ?? 0o600 }),
  rename: (a, b) => cb.rename(a, b),
  link: (a, b) => fsp.link(a, b),
  unlink: (f) => fsp.unlink(f),
  mkdir: async (d, o) => {
    await fsp.mkdir(d, { recursive: o?.recursive ?? false, mode: 0o700 });
  },
  rmdir: (d) => fsp.rmdir(d),
  readdir: async (d) => (await fsp.readdir(d, { withFileTypes: true })).map((e) => ({ name: e.name, type: typeOf(e) })),
  lstat: (f) => cb.lstat(f),
  utimes: (f, a, m) => fsp.lutimes(f, a, m),
  chmod: async (f, mode) => {
    if (!SAFE_OPEN) return fsp.chmod(f, mode); // Windows: only the read-only bit exists
    const fd = await openForReading(f);
    try {
      const st = await cb.fstat(fd);
      if (!st.isFile() && !st.isDirectory()) throw new RefusedPath(f, 'not-a-file', st);
      await cb.fchmod(fd, mode);
    } finally {
      await cb.close(fd);
    }
  },
};

export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
}

/**
 * Errors that mean the storage itself is unusable (full, read-only, not ours),
 * as opposed to a lost race with another process (ENOENT, EEXIST), which is
 * only a miss, or a damaged folder layout (EREFUSED, ENOTDIR), which verify repairs.
 */
const UNUSABLE = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'EFBIG', 'ENAMETOOLONG']);

export function isStorageUnusable(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && UNUSABLE.has(code);
}
