import * as assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CacheSecretError, decodeSecret, encodeSecret, KeyRing, newCacheSecret } from '../../src/core/cache/cacheSecret';
import { loadHeadlessSecret, SECRET_ENV } from '../../src/core/cache/secretFile';
import { tempDir } from '../cache/support';

describe('cache secrets', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('round-trips through text (for SecretStorage or an environment variable); refuses short or malformed ones', () => {
    const s = newCacheSecret();
    assert.match(s.keyId, /^[0-9a-f]{16}$/);
    assert.deepEqual(decodeSecret(encodeSecret(s)), s);
    assert.deepEqual(decodeSecret(Buffer.from(s.key).toString('hex')), s);
    assert.deepEqual(decodeSecret(Buffer.from(s.key).toString('base64url')), s);
    assert.notEqual(newCacheSecret().keyId, s.keyId);
    for (const bad of ['', 'short', Buffer.alloc(16).toString('base64'), 'not base64 at all!']) assert.throws(() => decodeSecret(bad), CacheSecretError);
    assert.throws(() => new KeyRing({ keyId: '../x', key: s.key }), CacheSecretError);
  });

  it('headless: prefers the environment variable', async () => {
    const s = newCacheSecret();
    const got = await loadHeadlessSecret({ root: tmp.dir, env: { [SECRET_ENV]: encodeSecret(s) } });
    assert.deepEqual(got, { secret: s, source: 'env' });
    await assert.rejects(loadHeadlessSecret({ root: tmp.dir, env: { [SECRET_ENV]: 'nope' } }), /AGENT_RELAY_CACHE_SECRET/);
  });

  it('headless: else creates a key file readable only by the user, and reuses it', async () => {
    const first = await loadHeadlessSecret({ root: tmp.dir, env: {} });
    assert.equal(first.source, 'new-key-file');
    const file = path.join(tmp.dir, 'response-cache.key');
    assert.equal(first.file, file);
    if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600);
    const again = await loadHeadlessSecret({ root: tmp.dir, env: {} });
    assert.deepEqual(again, { secret: first.secret, source: 'key-file', file });
    assert.equal(readFileSync(file, 'utf8').trim(), encodeSecret(first.secret));
  });

  it('headless: processes racing to create the key file agree on one key', async () => {
    const all = await Promise.all(Array.from({ length: 8 }, () => loadHeadlessSecret({ root: tmp.dir, env: {} })));
    assert.equal(new Set(all.map((s) => s.secret.keyId)).size, 1);
    assert.equal(all.filter((s) => s.source === 'new-key-file').length, 1);
  });

  it('headless: refuses a key file others can read; without create, uses a throwaway secret', async function () {
    if (process.platform === 'win32') this.skip();
    const file = path.join(tmp.dir, 'response-cache.key');
    writeFileSync(file, encodeSecret(newCacheSecret()));
    chmodSync(file, 0o644);
    await assert.rejects(loadHeadlessSecret({ root: tmp.dir, env: {} }), /chmod 600/);
    const other = tempDir();
    try {
      const e = await loadHeadlessSecret({ root: other.dir, env: {}, create: false });
      assert.equal(e.source, 'ephemeral');
      assert.throws(() => statSync(path.join(other.dir, 'response-cache.key')));
    } finally {
      other.cleanup();
    }
  });
});
