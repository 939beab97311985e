import { constants, promises as fs } from 'node:fs';

/**
 * What a small regular file holds, read without following a link or blocking
 * on a FIFO or device: undefined when it is absent, not a regular file, or
 * larger than `maxBytes` (then `{ size, mtimeMs }` stands in for its content).
 */
export async function readSmallFile(file: string, maxBytes: number): Promise<Buffer | { size: number; mtimeMs: number } | undefined> {
  const flags = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, flags);
    const st = await handle.stat();
    if (!st.isFile()) return undefined;
    if (st.size > maxBytes) return { size: st.size, mtimeMs: st.mtimeMs };
    return await handle.readFile();
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
