import { createHmac, timingSafeEqual } from 'node:crypto';
import type { KeyRing, MacKey } from './cacheSecret';

/*
 * One cache entry is one immutable file (all integers big-endian):
 *
 *   0   4  magic "ARCE"
 *   4   2  format version
 *   6   2  reserved, 0
 *   8   8  key id of the secret that signed it
 *  16  32  key hash (SHA-256 of the canonical cache key; also the file name)
 *  48   8  created at, ms since the epoch (float64)
 *  56   8  time to live, ms (float64)
 *  64   4  content length N
 *  68   N  content (UTF-8 JSON)
 *  68+N 32 HMAC-SHA256(mac key, DOMAIN ‖ bytes 0 … 68+N)
 *
 * The MAC covers the format version, key hash, header and content, so neither
 * the answer nor its expiry can be changed, and a valid entry copied under
 * another key's name is caught by the key-hash check. Only fixed-offset
 * fields (magic, version, key id, length) are looked at before the MAC is
 * verified, and only to decide which key to use or to reject early; the
 * content is parsed only after.
 */
export const ENTRY_MAGIC = Buffer.from('ARCE', 'latin1');
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 68;
export const MAC_BYTES = 32;
const DOMAIN = Buffer.from('agent-relay/response-cache/entry\0', 'latin1');

export interface EntryHeader {
  formatVersion: number;
  keyId: string;
  keyHash: string;
  createdAt: number;
  ttlMs: number;
  contentLength: number;
}

function mac(key: MacKey, signed: Uint8Array): Buffer {
  return createHmac('sha256', key.macKey).update(DOMAIN).update(signed).digest();
}

/** Builds a signed entry. `formatVersion` is for tests that need an older entry. */
export function encodeEntry(
  key: MacKey,
  fields: { keyHash: string; createdAt: number; ttlMs: number; content: Uint8Array },
  formatVersion = FORMAT_VERSION,
): Buffer {
  const n = fields.content.length;
  const buf = Buffer.allocUnsafe(HEADER_BYTES + n + MAC_BYTES);
  ENTRY_MAGIC.copy(buf, 0);
  buf.writeUInt16BE(formatVersion, 4);
  buf.writeUInt16BE(0, 6);
  key.keyIdBytes.copy(buf, 8);
  Buffer.from(fields.keyHash, 'hex').copy(buf, 16);
  buf.writeDoubleBE(fields.createdAt, 48);
  buf.writeDoubleBE(fields.ttlMs, 56);
  buf.writeUInt32BE(n, 64);
  buf.set(fields.content, HEADER_BYTES);
  mac(key, buf.subarray(0, HEADER_BYTES + n)).copy(buf, HEADER_BYTES + n);
  return buf;
}

/**
 * The most bytes an entry file may have and still be read: the per-entry
 * limit in force (stores never write more, as it counts the whole encoding),
 * plus the header and MAC, so that the bound is never the reason a valid
 * entry is refused. Anything bigger is refused unread (a planted 2 GB file
 * costs an fstat, not 2 GB of memory), and removed.
 */
export function entryReadLimit(maxEntryBytes: number): number {
  return maxEntryBytes + HEADER_BYTES + MAC_BYTES;
}

/** The file size the header's length field implies. */
export function encodedSize(header: Pick<EntryHeader, 'contentLength'>): number {
  return HEADER_BYTES + header.contentLength + MAC_BYTES;
}

/**
 * The header as written, NOT authenticated: for sweeps that only decide
 * whether a file is old enough to delete. Undefined when it is not an entry.
 */
export function peekHeader(bytes: Uint8Array): EntryHeader | undefined {
  if (bytes.length < HEADER_BYTES) return undefined;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (!b.subarray(0, 4).equals(ENTRY_MAGIC)) return undefined;
  return {
    formatVersion: b.readUInt16BE(4),
    keyId: b.subarray(8, 16).toString('hex'),
    keyHash: b.subarray(16, 48).toString('hex'),
    createdAt: b.readDoubleBE(48),
    ttlMs: b.readDoubleBE(56),
    contentLength: b.readUInt32BE(64),
  };
}

/**
 * Why an entry cannot be used. `unknown-key` and `newer-format` are not damage:
 * another secret or a newer Agent Relay wrote them; they are left alone.
 * Everything else is deleted and counted as removed-as-invalid, including
 * what is not a regular file at all (a FIFO, a folder) and a file over the
 * size bound: neither is ever read.
 */
export type EntryDefect = 'truncated' | 'bad-magic' | 'old-format' | 'newer-format' | 'unknown-key' | 'bad-mac' | 'key-mismatch' | 'not-a-file' | 'too-large';

export type DecodedEntry = { ok: true; header: EntryHeader; content: Buffer } | { ok: false; defect: EntryDefect };

/** Damage (delete and count) as opposed to an entry we merely cannot read. */
export function isDamage(defect: EntryDefect): boolean {
  return defect !== 'unknown-key' && defect !== 'newer-format';
}

/** Verifies (MAC first, constant-time) and splits an entry read from disk. */
export function decodeEntry(bytes: Buffer, keys: KeyRing, expectedKeyHash: string): DecodedEntry {
  if (bytes.length < HEADER_BYTES + MAC_BYTES) return { ok: false, defect: 'truncated' };
  if (!bytes.subarray(0, 4).equals(ENTRY_MAGIC)) return { ok: false, defect: 'bad-magic' };
  const version = bytes.readUInt16BE(4);
  if (version < FORMAT_VERSION) return { ok: false, defect: 'old-format' };
  if (version > FORMAT_VERSION) return { ok: false, defect: 'newer-format' };
  const key = keys.find(bytes.subarray(8, 16).toString('hex'));
  if (!key) return { ok: false, defect: 'unknown-key' };
  // The length field is only compared with the file size, so a cut file is called truncated.
  if (HEADER_BYTES + bytes.readUInt32BE(64) + MAC_BYTES !== bytes.length) return { ok: false, defect: 'truncated' };
  const signedEnd = bytes.length - MAC_BYTES;
  if (!timingSafeEqual(mac(key, bytes.subarray(0, signedEnd)), bytes.subarray(signedEnd))) return { ok: false, defect: 'bad-mac' };
  const header = peekHeader(bytes)!;
  if (header.keyHash !== expectedKeyHash) return { ok: false, defect: 'key-mismatch' };
  return { ok: true, header, content: bytes.subarray(HEADER_BYTES, signedEnd) };
}
