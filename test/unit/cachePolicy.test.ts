import * as assert from 'node:assert/strict';
import type { AgentEvent, RunOutcome } from '../../src/core/agents/events';
import { classifyTool, DEFAULT_POLICY, lookupVerdict, storeVerdict, type RunTraits } from '../../src/core/cache/cachePolicy';

const readOnly: RunTraits = { agentId: 'claude', readOnly: true, readsWorkspace: true, permissionMode: 'plan' };
const writable: RunTraits = { agentId: 'claude', readOnly: false, readsWorkspace: true, permissionMode: 'acceptEdits' };
const ok: RunOutcome = { status: 'succeeded', durationMs: 10, result: 'x' };
const text: AgentEvent = { type: 'text', text: 'hi' };

describe('cacheability policy', () => {
  it('by default looks up only read-only runs and never excluded agents', () => {
    assert.deepEqual(lookupVerdict(DEFAULT_POLICY, readOnly), { ok: true });
    assert.deepEqual(lookupVerdict(DEFAULT_POLICY, writable), { ok: false, reason: 'permission mode "acceptEdits" is not read-only' });
    assert.deepEqual(lookupVerdict({ ...DEFAULT_POLICY, mode: 'allSuccessful' }, writable), { ok: true });
    assert.deepEqual(lookupVerdict({ ...DEFAULT_POLICY, excludedAgents: ['claude'] }, readOnly), { ok: false, reason: 'excluded agent' });
  });

  it('stores only complete, successful runs', () => {
    assert.deepEqual(storeVerdict(readOnly, [text], ok), { ok: true });
    assert.equal(storeVerdict(readOnly, [text], { ...ok, status: 'failed' }).ok, false);
    assert.deepEqual(storeVerdict(readOnly, [text], { ...ok, status: 'cancelled' }), { ok: false, reason: 'the run was cancelled' });
    assert.deepEqual(storeVerdict(readOnly, [text], { ...ok, status: 'timed-out' }), { ok: false, reason: 'the run timed out' });
    assert.deepEqual(storeVerdict(readOnly, [text], { ...ok, message: 'The answer reached the max_tokens limit and may be incomplete.' }), { ok: false, reason: 'the answer may be incomplete' });
    assert.deepEqual(storeVerdict(readOnly, [text, { type: 'error', message: 'x' }], ok), { ok: false, reason: 'the run reported an error' });
  });

  it('never stores a run that changed files, from any agent', () => {
    for (const name of ['Edit', 'Write', 'MultiEdit', 'NotebookEdit', 'apply_patch', 'write_file', 'replace', 'edit', 'patch', 'mcp__fs__write_file', 'createFile']) {
      const events: AgentEvent[] = [{ type: 'tool-use', id: 't1', name, input: {} }, { type: 'tool-result', toolUseId: 't1', output: 'ok', isError: false }];
      assert.deepEqual(storeVerdict(readOnly, events, ok), { ok: false, reason: 'the run changed files' }, name);
      assert.equal(classifyTool(name), 'edit', name);
    }
    // An edit that failed (denied in plan mode) changed nothing.
    const denied: AgentEvent[] = [{ type: 'tool-use', id: 't1', name: 'Edit', input: {} }, { type: 'tool-result', toolUseId: 't1', output: 'denied', isError: true }];
    assert.deepEqual(storeVerdict(readOnly, denied, ok), { ok: true });
    // No result at all: assume it did.
    assert.equal(storeVerdict(readOnly, [{ type: 'tool-use', id: 't2', name: 'Write', input: {} }], ok).ok, false);
  });

  it('outside read-only modes, treats commands and unknown tools as possible changes, reads as safe', () => {
    const use = (name: string): AgentEvent[] => [{ type: 'tool-use', id: 'a', name, input: {} }];
    assert.equal(storeVerdict(writable, use('Bash'), ok).ok, false);
    assert.equal(storeVerdict(writable, use('github.create_issue'), ok).ok, false);
    assert.deepEqual(storeVerdict(writable, use('Read'), ok), { ok: true });
    assert.deepEqual(storeVerdict(writable, use('TodoWrite'), ok), { ok: true });
    assert.deepEqual(storeVerdict(readOnly, use('shell'), ok), { ok: true }, 'a read-only sandbox cannot write');
  });
});
