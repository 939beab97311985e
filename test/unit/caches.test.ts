import * as assert from 'node:assert/strict';
import { AgentCatalog } from '../../src/core/run/catalog';
import type { AgentProvider } from '../../src/core/agents/provider';
import { ModelTranslator, MODEL_TABLE } from '../../src/core/models/modelNames';
import { ProviderCache } from '../../src/core/providers/providerCache';
import { canonicalJson, stableHash } from '../../src/core/util/canonicalJson';

const fakeProvider = (id = 'p') => {
  const p: AgentProvider & { disposed: number; dispose(): void } = {
    id,
    displayName: id,
    disposed: 0,
    run: async () => ({ status: 'succeeded', durationMs: 0 }),
    dispose() {
      p.disposed++;
    },
  };
  return p;
};

describe('canonical JSON and stable hashes', () => {
  it('ignores key order at every level and drops undefined members', () => {
    const a = { b: 1, a: { y: [1, { q: 2, p: 1 }], x: 'é' }, u: undefined };
    const b = { a: { x: 'é', y: [1, { p: 1, q: 2 }] }, b: 1 };
    assert.equal(canonicalJson(a), '{"a":{"x":"é","y":[1,{"p":1,"q":2}]},"b":1}');
    assert.equal(stableHash(a), stableHash(b));
    assert.match(stableHash(a), /^[0-9a-f]{64}$/);
  });

  it('tells apart what JSON tells apart, and refuses what it cannot encode', () => {
    assert.notEqual(stableHash({ n: 1 }), stableHash({ n: '1' }));
    assert.notEqual(stableHash([1, 2]), stableHash([2, 1]));
    assert.notEqual(stableHash({ t: 0 }), stableHash({ t: null }));
    assert.throws(() => canonicalJson({ x: NaN }), TypeError);
    assert.throws(() => canonicalJson({ f: () => 1 }), TypeError);
  });
});

describe('ProviderCache', () => {
  it('returns the same instance for the same workspace, provider and configuration', () => {
    const cache = new ProviderCache();
    const make = () => fakeProvider();
    const a = cache.get('ws1', 'anthropic', { baseUrl: 'u', model: 'm' }, make);
    assert.equal(cache.get('ws1', 'anthropic', { model: 'm', baseUrl: 'u' }, make), a, 'key order must not matter');
    assert.notEqual(cache.get('ws2', 'anthropic', { baseUrl: 'u', model: 'm' }, make), a);
    assert.notEqual(cache.get('ws1', 'anthropic', { baseUrl: 'u', model: 'other' }, make), a);
    assert.equal(cache.created, 3);
  });

  it('disposes what it evicts: by settings change, by LRU, and after the idle TTL', () => {
    let now = 10_000; // lru-cache treats a start time of 0 as "no TTL"
    const cache = new ProviderCache({ max: 2, ttlMs: 1000, now: () => now });
    const p1 = fakeProvider('a');
    const p2 = fakeProvider('b');
    const p3 = fakeProvider('c');
    cache.get('ws', 'a', {}, () => p1);
    cache.get('ws', 'b', {}, () => p2);
    assert.equal(cache.evict({ providerId: 'a' }), 1);
    assert.equal(p1.disposed, 1);
    cache.get('ws', 'a', {}, () => p1);
    cache.get('ws', 'c', {}, () => p3); // third entry with max 2: the least recently used (b) goes
    assert.equal(p2.disposed, 1);
    now += 5000;
    const fresh = fakeProvider('c2');
    assert.equal(cache.get('ws', 'c', {}, () => fresh), fresh, 'an idle entry past its TTL is replaced');
    assert.equal(p3.disposed, 1);
    cache.clear();
    assert.equal(fresh.disposed, 1);
  });

  it('evicts one workspace without touching another', () => {
    const cache = new ProviderCache();
    const keep = fakeProvider();
    cache.get('ws1', 'p', {}, () => fakeProvider());
    cache.get('ws2', 'p', {}, () => keep);
    assert.equal(cache.evict({ workspace: 'ws1' }), 1);
    assert.equal(cache.get('ws2', 'p', {}, () => fakeProvider()), keep);
  });
});

describe('model-name translation', () => {
  it('maps canonical names per provider and passes unknown names through', () => {
    const t = new ModelTranslator();
    assert.equal(t.translate('anthropic', 'sonnet'), 'claude-sonnet-5');
    assert.equal(t.translate('claude', 'sonnet'), 'sonnet', 'Claude Code resolves its own aliases');
    assert.equal(t.translate('opencode', 'sonnet'), 'anthropic/claude-sonnet-5');
    assert.equal(t.translate('gemini', 'pro'), 'pro');
    assert.equal(t.translate('anthropic', 'claude-3-7-sonnet-20250219'), 'claude-3-7-sonnet-20250219');
    assert.equal(t.translate('unknown-provider', 'x'), 'x');
    assert.equal(t.translate('anthropic', '  '), undefined);
  });

  it('applies user overrides without changing the shared table', () => {
    const t = new ModelTranslator({ anthropic: { sonnet: 'claude-sonnet-4-5-20250929', mine: 'claude-x' }, ollama: { small: 'llama3.2:1b' } });
    assert.equal(t.translate('anthropic', 'sonnet'), 'claude-sonnet-4-5-20250929');
    assert.equal(t.translate('anthropic', 'mine'), 'claude-x');
    assert.equal(t.translate('ollama', 'small'), 'llama3.2:1b');
    assert.equal(new ModelTranslator().translate('anthropic', 'sonnet'), 'claude-sonnet-5');
    assert.ok(Object.isFrozen(MODEL_TABLE) && Object.isFrozen(MODEL_TABLE.anthropic));
    assert.throws(() => ((MODEL_TABLE.anthropic as Record<string, string>).sonnet = 'x'));
  });
});

describe('AgentCatalog', () => {
  it('lists built-in CLIs and APIs, and registers and removes external providers', () => {
    const c = new AgentCatalog();
    const ids = c.all().map((a) => a.id);
    assert.deepEqual(ids.slice(0, 1), ['claude']);
    assert.ok(ids.includes('anthropic') && ids.includes('openai'));
    const remove = c.register(fakeProvider('acme.echo'), 'acme.ext');
    assert.equal(c.find('acme.echo')?.kind, 'external');
    assert.throws(() => c.register(fakeProvider('acme.echo')), /already registered/);
    assert.throws(() => c.register(fakeProvider('claude')), /already registered/);
    assert.throws(() => c.register(fakeProvider('../bad id')), /Invalid agent id/);
    for (const bad of ['Acme.Echo', '-flag', '.hidden', 'x'.repeat(65), '']) assert.throws(() => c.register(fakeProvider(bad)), /Invalid agent id/, bad);
    assert.doesNotThrow(() => c.register(fakeProvider('a'.repeat(64)))());
    remove();
    assert.equal(c.find('acme.echo'), undefined);
    assert.match(c.unknownMessage('nope'), /Known agents: claude, /);
  });
});
