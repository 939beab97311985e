import * as assert from 'node:assert/strict';
import { cacheKey, canonicalKeyInput, KEY_SCHEMA_VERSION, type CacheKeyInput } from '../../src/core/cache/cacheKey';
import { explainDifference, explainMiss } from '../../src/core/cache/missExplainer';
import { keyInput } from '../cache/support';

describe('cache key', () => {
  it('does not depend on the order fields, tools, sampling or environment were given in', () => {
    const a = keyInput({ tools: { allowed: ['Read', 'Grep'], mcp: { b: 1, a: 2 } }, sampling: { temperature: 0.2, top_p: 1 }, environment: { B: '1', A: '2' } });
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as unknown as CacheKeyInput;
    const b: CacheKeyInput = { ...reordered, tools: { mcp: { a: 2, b: 1 }, allowed: ['Grep', 'Read', 'Grep'] }, sampling: { top_p: 1, temperature: 0.2 }, environment: { A: '2', B: '1' } };
    assert.equal(cacheKey(a).hash, cacheKey(b).hash);
    assert.match(cacheKey(a).hash, /^[0-9a-f]{64}$/);
  });

  it('makes defaults explicit: an unset parameter is "the server default" (null), never 0', () => {
    const unset = cacheKey(keyInput({ sampling: { temperature: undefined, maxTokens: 4096 } }));
    const explicitNull = cacheKey(keyInput({ sampling: { temperature: null, maxTokens: 4096 } }));
    const zero = cacheKey(keyInput({ sampling: { temperature: 0, maxTokens: 4096 } }));
    const absent = cacheKey(keyInput({ sampling: { maxTokens: 4096 } }));
    assert.equal(unset.hash, explicitNull.hash);
    assert.notEqual(zero.hash, explicitNull.hash);
    // A parameter the caller did not list at all is a different key from one listed as default:
    // callers must list every parameter their agent takes.
    assert.notEqual(absent.hash, explicitNull.hash);
    const c = canonicalKeyInput(keyInput({ model: undefined as unknown as null, systemPrompt: undefined as unknown as null })) as Record<string, unknown>;
    assert.equal(c.model, null);
    assert.equal(c.systemPrompt, null);
    assert.equal(c.keySchema, KEY_SCHEMA_VERSION);
  });

  it('changes with every field that can change an answer', () => {
    const base = cacheKey(keyInput()).hash;
    const variants: Partial<CacheKeyInput>[] = [
      { workspaceId: 'b'.repeat(32) },
      { agentId: 'codex' },
      { agentVersion: '2.1.198' },
      { provider: 'anthropic' },
      { endpoint: 'https://proxy.example' },
      { model: 'claude-opus-4-1' },
      { permissionMode: 'default' },
      { tools: { allowed: ['Read'] } },
      { tools: { allowed: [], mcpServers: ['x'] } },
      { systemPrompt: 'Be brief.' },
      { prompt: 'Explain the build!' },
      { context: { selection: 'x' } },
      { sampling: { temperature: 0.2 } },
      { environment: { ANTHROPIC_BASE_URL: 'http://x' } },
      { extra: { extensionVersion: '0.2.0' } },
      { folder: '/repo/packages/other' },
      { inputs: { env: { ANTHROPIC_MODEL: 'claude-opus-4-1' }, files: {} } },
      { inputs: { env: {}, files: { '/home/u/.claude/CLAUDE.md': 'a'.repeat(64) } } },
      { workspaceState: { head: 'c0ffee', changes: 'different' } },
      { workspaceState: { head: 'beef', changes: 'e3b0' } },
      { workspaceState: null },
    ];
    const hashes = variants.map((v) => cacheKey(keyInput(v)).hash);
    for (const [i, h] of hashes.entries()) assert.notEqual(h, base, `variant ${JSON.stringify(variants[i])} must change the key`);
    assert.equal(new Set(hashes).size, hashes.length);
  });

  it('keeps the near key on agent + prompt only, and no prompt text in the summary', () => {
    const a = cacheKey(keyInput({ systemPrompt: 'secret system prompt', environment: { TOKEN: 'hunter2' } }));
    const b = cacheKey(keyInput({ agentVersion: '9', model: 'other' }));
    assert.equal(a.nearHash, b.nearHash);
    assert.notEqual(a.nearHash, cacheKey(keyInput({ prompt: 'other' })).nearHash);
    assert.notEqual(a.nearHash, cacheKey(keyInput({ agentId: 'codex' })).nearHash);
    const summary = JSON.stringify(a.summary);
    for (const secret of ['secret system prompt', 'hunter2', 'Explain the build']) assert.ok(!summary.includes(secret), `summary leaks ${secret}`);
  });

  it('hostile text in a key never reaches a path: the hash is all that is used', () => {
    for (const prompt of ['../../etc/passwd', '/abs/path', 'C:\\Windows\\x', 'a\0b', 'CON', 'trailing. ']) {
      const k = cacheKey(keyInput({ prompt, agentId: prompt }));
      assert.match(k.hash, /^[0-9a-f]{64}$/);
      assert.match(k.nearHash, /^[0-9a-f]{64}$/);
    }
  });
});

describe('miss explanations', () => {
  const s = (over: Partial<CacheKeyInput>) => cacheKey(keyInput(over)).summary;
  const now = Date.now();

  it('names the first thing that differs, in words', () => {
    assert.equal(explainDifference(s({}), s({ agentVersion: '2.2.0' })), 'claude CLI version changed (2.1.197 → 2.2.0)');
    assert.equal(explainDifference(s({ provider: 'anthropic', agentVersion: null, agentId: 'anthropic' }), s({ provider: 'anthropic', agentVersion: '1', agentId: 'anthropic' })), 'anthropic version changed (default → 1)');
    assert.equal(explainDifference(s({}), s({ model: 'claude-opus-4-1' })), 'model changed (claude-sonnet-4-5-20250929 → claude-opus-4-1)');
    assert.equal(explainDifference(s({}), s({ workspaceState: { head: 'beef', changes: 'e3b0' } })), 'the workspace changed (new commit)');
    assert.equal(explainDifference(s({}), s({ workspaceState: { head: 'c0ffee', changes: 'x' } })), 'the workspace changed (uncommitted changes)');
    assert.equal(explainDifference(s({}), s({ permissionMode: 'default' })), 'permission mode changed (plan → default)');
    assert.equal(explainDifference(s({ sampling: { temperature: null } }), s({ sampling: { temperature: 0.7 } })), 'sampling changed (temperature default → 0.7)');
    assert.equal(explainDifference(s({}), s({ systemPrompt: 'x' })), 'system prompt changed');
    assert.equal(explainDifference(s({}), s({ endpoint: 'http://proxy' })), 'endpoint changed');
    assert.equal(explainDifference(s({ folder: '/repo/a' }), s({ folder: '/repo/b' })), 'another folder');
    assert.match(explainDifference(s({}), s({ inputs: { env: { ANTHROPIC_MODEL: 'x' }, files: {} } }))!, /the agent's configuration changed/);
    assert.equal(explainDifference(s({}), s({})), undefined);
  });

  it('says expired, evicted or not cached yet when the keys agree', () => {
    const summary = s({});
    const near = { keyHash: 'x', summary, createdAt: now - 10_000, ttlMs: 5_000 };
    assert.equal(explainMiss({ kind: 'absent' }, summary, near, now), 'expired');
    assert.equal(explainMiss({ kind: 'absent' }, summary, { ...near, ttlMs: 60_000 }, now), 'the entry was evicted or cleared');
    assert.equal(explainMiss({ kind: 'absent' }, summary, undefined, now), 'not cached yet');
    assert.equal(explainMiss({ kind: 'expired' }, summary, undefined, now), 'expired');
    assert.equal(explainMiss({ kind: 'unknown-key' }, summary, undefined, now), 'the entry was signed with another secret');
  });
});
