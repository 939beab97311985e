import * as assert from 'node:assert/strict';
import { createHmac, hkdfSync } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { cacheSecretFromKey, KeyRing } from '../../src/core/cache/cacheSecret';
import { decodeEntry, encodeEntry, FORMAT_VERSION, HEADER_BYTES, MAC_BYTES } from '../../src/core/cache/entryFormat';
import type { ResponseCache } from '../../src/core/cache/responseCache';
import { key, listFiles, openCache, OTHER_SECRET, sampleRun, SECRET, tempDir, WS } from '../cache/support';

const entryFile = (root: string, hash: string) => path.join(root, 'response-cache-v1', 'workspaces', WS, 'entries', hash.slice(0, 2), hash);

/** A deterministic PRNG, so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

describe('response cache integrity', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof tempDir>;
  let writer: ResponseCache;
  beforeEach(async () => {
    tmp = tempDir();
    writer = await openCache(tmp.dir);
  });
  afterEach(async () => {
    await writer.close();
    tmp.cleanup();
  });

  /** A reader without a memory layer, so every lookup reads the disk. */
  const reader = (secret = SECRET) => openCache(tmp.dir, { memoryMaxBytes: 0, secret });

  it('detects a flipped bit anywhere (magic, version, key id, key hash, times, length, body, MAC): removed, counted, never served', async () => {
    const k = key('flip');
    await writer.workspace(WS).store(k, sampleRun('original answer'));
    const file = entryFile(tmp.dir, k.hash);
    const pristine = readFileSync(file);
    const random = rng(42);
    // Every header byte, every MAC byte, and a sample of body bytes.
    const positions = [...Array(HEADER_BYTES).keys(), ...Array.from({ length: MAC_BYTES }, (_, i) => pristine.length - MAC_BYTES + i)];
    for (let i = 0; i < 60; i++) positions.push(HEADER_BYTES + Math.floor(random() * (pristine.length - HEADER_BYTES - MAC_BYTES)));
    const r = await reader();
    let removed = 0;
    for (const pos of positions) {
      const bad = Buffer.from(pristine);
      bad[pos] ^= 1 << Math.floor(random() * 8);
      writeFileSync(file, bad);
      const got = await r.workspace(WS).lookup(k);
      assert.equal(got.kind, 'miss', `bit flip at byte ${pos} was served`);
      if (!existsSync(file)) removed++;
      else {
        // Left alone only when the flip made it look like another secret's or a newer format's entry.
        assert.ok((pos >= 8 && pos < 16) || pos === 4 || pos === 5, `byte ${pos}: damaged entry left in place`);
      }
    }
    await r.flush();
    const stats = await r.workspace(WS).stats();
    assert.equal(stats.removedInvalid, removed);
    assert.equal(stats.hits, 0);
    assert.ok(removed >= positions.length - 16 - 2);
    writeFileSync(file, pristine);
    assert.equal((await r.workspace(WS).lookup(k)).kind, 'hit', 'the pristine entry is fine');
    await r.close();
  });

  it('detects truncation at any length', async () => {
    const k = key('cut');
    await writer.workspace(WS).store(k, sampleRun('x'.repeat(500)));
    const file = entryFile(tmp.dir, k.hash);
    const pristine = readFileSync(file);
    const r = await reader();
    const lengths = [0, 1, 4, 16, HEADER_BYTES - 1, HEADER_BYTES, HEADER_BYTES + 10, pristine.length - MAC_BYTES, pristine.length - MAC_BYTES + 5, pristine.length - 1];
    for (const len of lengths) {
      writeFileSync(file, pristine);
      truncateSync(file, len);
      const got = await r.workspace(WS).lookup(k);
      assert.equal(got.kind, 'miss', `cut at ${len}`);
      assert.ok(!existsSync(file), `cut at ${len} not removed`);
    }
    await r.flush();
    assert.equal((await r.workspace(WS).stats()).removedInvalid, lengths.length);
    await r.close();
  });

  it('detects two entry files swapped (a valid entry under another key)', async () => {
    const a = key('a');
    const b = key('b');
    await writer.workspace(WS).store(a, sampleRun('answer A'));
    await writer.workspace(WS).store(b, sampleRun('answer B'));
    const fa = entryFile(tmp.dir, a.hash);
    const fb = entryFile(tmp.dir, b.hash);
    const bytesA = readFileSync(fa);
    copyFileSync(fb, fa);
    writeFileSync(fb, bytesA);
    const r = await reader();
    for (const k of [a, b]) {
      const got = await r.workspace(WS).lookup(k);
      assert.deepEqual(got, { kind: 'miss', cause: { kind: 'invalid' }, defect: 'key-mismatch' });
    }
    assert.ok(!existsSync(fa) && !existsSync(fb));
    await r.close();
  });

  it('refuses a forged expiry: the creation time and TTL are under the MAC', async () => {
    const k = key('expiry');
    const old = await openCache(tmp.dir, { clock: () => Date.now() - 48 * 3600e3 });
    await old.workspace(WS).store(k, sampleRun());
    await old.close();
    const file = entryFile(tmp.dir, k.hash);
    const bytes = readFileSync(file);
    bytes.writeDoubleBE(Date.now(), 48); // pretend it was created now
    bytes.writeDoubleBE(1e15, 56); // and lives forever
    writeFileSync(file, bytes);
    const r = await reader();
    const got = await r.workspace(WS).lookup(k);
    assert.deepEqual(got, { kind: 'miss', cause: { kind: 'invalid' }, defect: 'bad-mac' });
    await r.close();
  });

  it('removes entries of an older format, and leaves a newer format alone (a newer Agent Relay wrote it)', async () => {
    const mac = new KeyRing(SECRET).current;
    const k1 = key('old-format');
    const k2 = key('new-format');
    const content = Buffer.from(JSON.stringify(sampleRun()));
    await writer.workspace(WS).store(key('seed'), sampleRun()); // creates the folders
    for (const [k, v] of [[k1, FORMAT_VERSION - 1], [k2, FORMAT_VERSION + 1]] as const) {
      const f = entryFile(tmp.dir, k.hash);
      mkdirSync(path.dirname(f), { recursive: true });
      writeFileSync(f, encodeEntry(mac, { keyHash: k.hash, createdAt: Date.now(), ttlMs: 3600e3, content }, v));
    }
    const r = await reader();
    assert.deepEqual(await r.workspace(WS).lookup(k1), { kind: 'miss', cause: { kind: 'invalid' }, defect: 'old-format' });
    assert.ok(!existsSync(entryFile(tmp.dir, k1.hash)));
    assert.deepEqual(await r.workspace(WS).lookup(k2), { kind: 'miss', cause: { kind: 'newer-format' } });
    assert.ok(existsSync(entryFile(tmp.dir, k2.hash)));
    await r.flush();
    assert.equal((await r.workspace(WS).stats()).removedInvalid, 1);
    await r.close();
  });

  it('removes a correctly signed entry whose content cannot be parsed (a writer bug), and counts it', async () => {
    const mac = new KeyRing(SECRET).current;
    await writer.workspace(WS).store(key('seed'), sampleRun());
    const r = await reader();
    for (const [name, content] of [['not-json', '{"agentId": "claude", "events": ['], ['not-a-run', '{"agentId": 1}'], ['failed-run', JSON.stringify({ ...sampleRun(), outcome: { status: 'failed', durationMs: 1 } })]]) {
      const k = key(name);
      const f = entryFile(tmp.dir, k.hash);
      mkdirSync(path.dirname(f), { recursive: true });
      writeFileSync(f, encodeEntry(mac, { keyHash: k.hash, createdAt: Date.now(), ttlMs: 3600e3, content: Buffer.from(content) }));
      assert.deepEqual(await r.workspace(WS).lookup(k), { kind: 'miss', cause: { kind: 'invalid' } }, name);
      assert.ok(!existsSync(f), name);
    }
    await r.flush();
    assert.equal((await r.workspace(WS).stats()).removedInvalid, 3);
    await r.close();
  });

  it('never writes outside its folder, whatever the keys; refuses hostile workspace ids and key hashes', async () => {
    const ws = writer.workspace(WS);
    for (const prompt of ['../../../../etc/passwd', '/abs/olute', 'C:\\Windows\\System32\\x', 'nul\0byte', 'CON', 'aux.txt', 'trailing. ', 'é'.repeat(10_000)]) {
      await ws.store(key(prompt, { agentId: prompt }), sampleRun(prompt));
      assert.equal((await ws.lookup(key(prompt, { agentId: prompt }))).kind, 'hit');
    }
    await writer.flush();
    for (const f of listFiles(tmp.dir)) {
      assert.match(f, /^response-cache-v1\/(workspaces\/[0-9a-f]{32}\/((entries|near)\/[0-9a-f]{2}\/[0-9a-f]{64}|stats\/s-[0-9a-z-]+\.json))$/, f);
    }
    for (const id of ['../x', '/etc', 'A'.repeat(32), 'a'.repeat(31), 'a\0'.repeat(16)]) assert.throws(() => writer.workspace(id), TypeError);
    const bogus = { ...key('x'), hash: '../../../etc/passwd' };
    await assert.rejects(ws.lookup(bogus), TypeError);
  });

  it('does not serve, delete or count as tampering entries signed with another secret; verify calls them unverifiable', async () => {
    const ks = ['s1', 's2', 's3'].map((n) => key(n));
    for (const k of ks) await writer.workspace(WS).store(k, sampleRun());
    await writer.flush();
    const stranger = await reader(OTHER_SECRET);
    for (const k of ks) assert.deepEqual(await stranger.workspace(WS).lookup(k), { kind: 'miss', cause: { kind: 'unknown-key' } });
    const v = await stranger.verify();
    assert.equal(v.unverifiable, 6, 'three answers and their near records');
    assert.equal(v.removed, 0);
    assert.equal(v.valid, 0);
    await stranger.flush();
    const s = await stranger.workspace(WS).stats();
    assert.equal(s.removedInvalid, 0);
    assert.equal(s.unknownKey, 3);
    assert.equal(s.entries, 3, 'all still there');
    await stranger.close();
    // Same key id, other key material: that is damage.
    const impostor = { keyId: SECRET.keyId, key: Buffer.alloc(32, 1) };
    const im = await reader(impostor);
    assert.deepEqual(await im.workspace(WS).lookup(ks[0]), { kind: 'miss', cause: { kind: 'invalid' }, defect: 'bad-mac' });
    await im.close();
    // The owner still reads the others.
    assert.equal((await (await reader()).workspace(WS).lookup(ks[1])).kind, 'hit');
  });

  it('verify re-checks everything: removes the damaged, keeps the valid, reports counts', async () => {
    const ks = Array.from({ length: 6 }, (_, i) => key(`v${i}`));
    for (const k of ks) await writer.workspace(WS).store(k, sampleRun());
    await writer.flush(); // the near-index records too
    const f0 = entryFile(tmp.dir, ks[0].hash);
    const b0 = readFileSync(f0);
    b0[b0.length - 1] ^= 0xff;
    writeFileSync(f0, b0);
    truncateSync(entryFile(tmp.dir, ks[1].hash), 50);
    const r = await reader();
    const v = await r.verify();
    assert.equal(v.checked, 12);
    assert.equal(v.valid, 10);
    assert.equal(v.removed, 2);
    assert.deepEqual(v.removedByDefect, { 'bad-mac': 1, truncated: 1 });
    assert.equal((await r.verify()).removed, 0, 'nothing left to remove');
    await r.close();
  });

  it('decodes what it encodes, and binds the MAC to the domain string and key', () => {
    const ring = new KeyRing(SECRET);
    const k = key('d');
    const content = Buffer.from('{"x":1}');
    const bytes = encodeEntry(ring.current, { keyHash: k.hash, createdAt: 1, ttlMs: 2, content });
    const d = decodeEntry(bytes, ring, k.hash);
    assert.ok(d.ok && d.content.equals(content) && d.header.createdAt === 1 && d.header.ttlMs === 2);
    // A MAC made the obvious way, without the domain string, does not verify.
    const macKey = Buffer.from(hkdfSync('sha256', SECRET.key, Buffer.alloc(0), 'agent-relay/response-cache/mac/v1', 32));
    const naive = Buffer.from(bytes);
    createHmac('sha256', macKey).update(naive.subarray(0, naive.length - MAC_BYTES)).digest().copy(naive, naive.length - MAC_BYTES);
    assert.deepEqual(decodeEntry(naive, ring, k.hash), { ok: false, defect: 'bad-mac' });
    assert.equal(cacheSecretFromKey(SECRET.key).keyId, SECRET.keyId, 'the key id follows from the key');
  });
});
