import { createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The secret entries are signed with. The caller keeps it (VS Code:
 * SecretStorage; headless: see secretFile.ts) and hands it in; the cache never
 * stores it. `keyId` is written into every entry so that entries signed with
 * another secret (a lost SecretStorage, another machine's key file) are told
 * apart from tampered ones: they are plain misses, never served, never
 * counted as tampering.
 */
export interface CacheSecret {
  /** 16 hex digits; derive it from the key with `cacheSecretFromKey`. */
  keyId: string;
  /** At least 32 random bytes. */
  key: Uint8Array;
}

export class CacheSecretError extends Error {}

const MIN_KEY_BYTES = 32;

/** A fresh random secret, for first use. */
export function newCacheSecret(): CacheSecret {
  return cacheSecretFromKey(randomBytes(32));
}

/** The key id follows from the key, so every window holding the same key agrees on it. */
export function cacheSecretFromKey(key: Uint8Array): CacheSecret {
  if (key.length < MIN_KEY_BYTES) throw new CacheSecretError(`A cache secret needs at least ${MIN_KEY_BYTES} bytes; this one has ${key.length}.`);
  const keyId = createHmac('sha256', key).update('agent-relay/response-cache/key-id/v1').digest().subarray(0, 8).toString('hex');
  return { keyId, key: Buffer.from(key) };
}

/** Text form for SecretStorage or an environment variable: base64 of the key. */
export function encodeSecret(secret: CacheSecret): string {
  return Buffer.from(secret.key).toString('base64');
}

/** Reads `encodeSecret`'s text (base64 or base64url, or 64+ hex digits). Throws CacheSecretError when unusable. */
export function decodeSecret(text: string): CacheSecret {
  const t = text.trim();
  let key: Buffer | undefined;
  if (/^(?:[0-9a-f]{2}){32,}$/i.test(t)) key = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (!key || key.length < MIN_KEY_BYTES) {
    throw new CacheSecretError(`A cache secret must be base64 (or hex) for at least ${MIN_KEY_BYTES} random bytes, e.g. the output of \`openssl rand -base64 32\`.`);
  }
  return cacheSecretFromKey(key);
}

/** A derived signing key: the master secret itself is never used directly as a MAC key. */
export interface MacKey {
  keyId: string;
  keyIdBytes: Buffer;
  macKey: Buffer;
}

function macKeyOf(secret: CacheSecret): MacKey {
  if (!/^[0-9a-f]{16}$/.test(secret.keyId)) throw new CacheSecretError(`A cache key id must be 16 lower-case hex digits, not "${secret.keyId}".`);
  if (secret.key.length < MIN_KEY_BYTES) throw new CacheSecretError(`A cache secret needs at least ${MIN_KEY_BYTES} bytes.`);
  const macKey = Buffer.from(hkdfSync('sha256', secret.key, Buffer.alloc(0), 'agent-relay/response-cache/mac/v1', 32));
  return { keyId: secret.keyId, keyIdBytes: Buffer.from(secret.keyId, 'hex'), macKey };
}

/**
 * The secret new entries are signed with, plus older ones still accepted for
 * reading (a rotation grace period); any other key id is "unknown".
 */
export class KeyRing {
  readonly current: MacKey;
  private readonly byId = new Map<string, MacKey>();

  constructor(current: CacheSecret, accepted: readonly CacheSecret[] = []) {
    this.current = macKeyOf(current);
    for (const k of [this.current, ...accepted.map(macKeyOf)]) if (!this.byId.has(k.keyId)) this.byId.set(k.keyId, k);
  }

  find(keyId: string): MacKey | undefined {
    return this.byId.get(keyId);
  }
}
