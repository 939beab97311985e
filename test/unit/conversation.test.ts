import * as assert from 'node:assert/strict';
import type { AgentEvent } from '../../src/core/agents/events';
import { claudeAgent } from '../../src/core/agents/claude';
import { codexAgent } from '../../src/core/agents/codex';
import { geminiAgent } from '../../src/core/agents/gemini';
import { opencodeAgent } from '../../src/core/agents/opencode';
import { answerOf, boundHistory, trimNotice } from '../../src/core/agents/priorTurns';
import { cacheKey } from '../../src/core/cache/cacheKey';
import { explainDifference } from '../../src/core/cache/missExplainer';
import { parseHistoryRecord } from '../../src/core/history/historyRecord';
import { continueConversation, effectiveTurns, planFollowUp, priorTurns, turnFacts, type AgentShape, type TurnFacts, type TurnRequest } from '../../src/core/run/conversation';
import { keyInput } from '../cache/support';

const CLAUDE: AgentShape = { kind: 'cli', displayName: 'Claude Code', canFork: true };
const CODEX: AgentShape = { kind: 'cli', displayName: 'Codex', canFork: false };
const API: AgentShape = { kind: 'api', displayName: 'Anthropic API' };

function turn(n: number, over: Partial<TurnFacts> = {}): TurnFacts {
  return { runId: `r${n}`, prompt: `prompt ${n}`, answer: `answer ${n}`, sessionId: `s${n}`, fromCache: false, status: 'succeeded', ...over };
}

describe('conversations: the follow-up rule', () => {
  it('a CLI resumes the newest turn that has a session; a model API gets the whole history', () => {
    const turns = [turn(1), turn(2, { sessionId: undefined, status: 'failed' })];
    assert.deepEqual(planFollowUp(CLAUDE, turns), { kind: 'resume', sessionId: 's1', fork: false, history: priorTurns(turns) });
    assert.deepEqual(planFollowUp(API, turns), { kind: 'history', history: [{ prompt: 'prompt 1', answer: 'answer 1' }, { prompt: 'prompt 2', answer: 'answer 2' }] });
  });

  it('a session that came from the cache is forked where the CLI can, else its turn is asked again for real', () => {
    const cached = [turn(1, { fromCache: true })];
    const forked = planFollowUp(CLAUDE, cached);
    assert.equal(forked.kind, 'resume');
    assert.ok(forked.kind === 'resume' && forked.fork && forked.sessionId === 's1' && /new one \(forked\)/.test(forked.note ?? ''));
    const again = planFollowUp(CODEX, cached);
    assert.equal(again.kind, 'again');
    assert.ok(again.kind === 'again' && again.turn === 1 && /asked again for real/.test(again.note));
  });

  it('refuses with a clear message: a lost session, no session at all, nothing to follow up', () => {
    assert.match((planFollowUp(CLAUDE, [turn(1, { sessionLost: true, status: 'failed' })]) as { message: string }).message, /no longer has this conversation's session/);
    assert.match((planFollowUp(CODEX, [turn(1, { sessionId: undefined, status: 'failed' })]) as { message: string }).message, /reported no session/);
    assert.equal(planFollowUp(CLAUDE, []).kind, 'refused');
  });

  it('a turn asked again replaces its place and what came after it, for the session and the key', () => {
    const turns = [turn(1, { fromCache: true }), turn(2, { fromCache: true }), turn(3, { replaces: 1 }), turn(4, { replaces: 2 })];
    assert.deepEqual(effectiveTurns(turns).map((t) => t.runId), ['r3', 'r4']);
    assert.deepEqual(planFollowUp(CODEX, turns), { kind: 'resume', sessionId: 's4', fork: false, history: [{ prompt: 'prompt 3', answer: 'answer 3' }, { prompt: 'prompt 4', answer: 'answer 4' }] });
  });

  it('continues a Codex conversation whose two turns came from the cache: asks both again, oldest first, then the follow-up', async () => {
    const asked: TurnRequest[] = [];
    let n = 10;
    const result = await continueConversation(CODEX, [turn(1, { fromCache: true }), turn(2, { fromCache: true })], 'next', async (req) => {
      asked.push(req);
      n++;
      return turn(n, { prompt: req.prompt, replaces: req.replaces });
    });
    assert.deepEqual(
      asked.map((r) => [r.prompt, r.replaces, r.resume?.sessionId, r.noCache]),
      [
        ['prompt 1', 1, undefined, true],
        ['prompt 2', 2, 's11', true],
        ['next', undefined, 's12', false],
      ],
    );
    assert.deepEqual(asked[2].history.map((h) => h.prompt), ['prompt 1', 'prompt 2']);
    assert.equal(result.runId, 'r13');
  });

  it('stops when a turn asked again fails, and says why; sends nothing for a refused plan', async () => {
    await assert.rejects(
      continueConversation(CODEX, [turn(1, { fromCache: true })], 'next', async (req) => turn(2, { prompt: req.prompt, status: 'failed' })),
      /did not succeed \(failed\), so the follow-up was not sent/,
    );
    let ran = 0;
    await assert.rejects(continueConversation(CLAUDE, [turn(1, { sessionLost: true })], 'next', async () => (ran++, turn(2))), /no longer has/);
    assert.equal(ran, 0);
  });

  it("reads a turn's facts from its events: the session, a cache hit, a lost session", () => {
    const events: AgentEvent[] = [
      { type: 'cache', status: 'hit', ageMs: 1 },
      { type: 'started', agentId: 'claude', sessionId: 'abc' },
      { type: 'text', text: 'Hi' },
      { type: 'done', outcome: { status: 'failed', durationMs: 1, sessionLost: true } },
    ];
    const f = turnFacts('r', 'p', events);
    assert.deepEqual([f.sessionId, f.fromCache, f.status, f.sessionLost, f.answer], ['abc', true, 'failed', true, 'Hi']);
  });
});

describe('conversations: what a follow-up resends', () => {
  it('tool calls become text, so a model API is never sent a tool_use without its result', () => {
    const text = answerOf([
      { type: 'text', text: 'Let me look.' },
      { type: 'tool-use', id: 't1', name: 'Read', input: { file: 'a.ts' } },
      { type: 'tool-result', toolUseId: 't1', output: 'contents', isError: false },
      { type: 'thinking', text: 'hidden' },
      { type: 'text', text: 'Done.' },
    ]);
    assert.equal(text, 'Let me look.\n[tool call Read: {"file":"a.ts"}]\n\n[tool result: contents]\nDone.');
  });

  it('keeps the newest turns within maxHistoryTokens (about 4 characters a token) and says how many it left out', () => {
    const turns = [1, 2, 3].map((n) => ({ prompt: 'p'.repeat(200), answer: `${n}`.repeat(200) }));
    assert.deepEqual(boundHistory(turns, 0), { turns, dropped: 0 });
    const kept = boundHistory(turns, 200); // 800 characters: two turns of 400
    assert.equal(kept.dropped, 1);
    assert.deepEqual(kept.turns, turns.slice(1));
    assert.equal(boundHistory(turns, 50).dropped, 3);
    assert.match(trimNotice(1, 2, 'agentRelay.anthropic.maxHistoryTokens'), /agentRelay\.anthropic\.maxHistoryTokens allows: the oldest turn was left out .*2 earlier turns sent/);
  });
});

describe('conversations: the cache key and the history record', () => {
  it('a follow-up is keyed on the whole conversation, answers included; a single turn keeps the key it had', () => {
    const base = keyInput({ prompt: 'and then?' });
    const single = cacheKey(base);
    assert.equal(cacheKey({ ...base, conversation: [] }).hash, single.hash, 'an empty conversation must not change single-turn keys');
    const c1 = cacheKey({ ...base, conversation: [{ prompt: 'hi', answer: 'A' }] });
    const c2 = cacheKey({ ...base, conversation: [{ prompt: 'hi', answer: 'B' }] });
    assert.notEqual(c1.hash, single.hash);
    assert.notEqual(c1.hash, c2.hash, 'another earlier answer is another conversation');
    assert.equal(explainDifference(c1.summary, c2.summary), 'the conversation so far differs');
  });

  it('every CLI resumes the exact session id it was given, and refuses ids that could be read as something else', () => {
    const resume = { sessionId: 'ses_01ABC-def', fork: false };
    assert.ok(claudeAgent.invocation('p', { resume }).args.includes('--resume=ses_01ABC-def'));
    assert.ok(claudeAgent.invocation('p', { resume: { ...resume, fork: true } }).args.includes('--fork-session'));
    assert.deepEqual(codexAgent.invocation('p', { resume }).args.slice(-3), ['resume', 'ses_01ABC-def', '-']);
    assert.ok(geminiAgent.invocation('p', { resume }).args.includes('--resume=ses_01ABC-def'));
    assert.ok(opencodeAgent.invocation('p', { resume: { ...resume, fork: true } }).args.includes('--session=ses_01ABC-def'));
    assert.ok(opencodeAgent.invocation('p', { resume: { ...resume, fork: true } }).args.includes('--fork'));
    for (const agent of [claudeAgent, codexAgent, geminiAgent, opencodeAgent]) {
      for (const bad of ['--dangerously-skip-permissions', 'latest', 'a b', '../x', '', 'x'.repeat(200)]) {
        if (bad === 'latest') continue; // a word, but never one we pass: the id comes from the agent's own started event
        assert.throws(() => agent.invocation('p', { resume: { sessionId: bad } }), /Refusing to resume/, `${agent.id} ${bad}`);
      }
      // Resuming keeps the run's read-only classification.
      assert.equal(agent.isReadOnly(agent.invocation('p', { resume }).args), agent.isReadOnly(agent.invocation('p', {}).args));
    }
    assert.throws(() => codexAgent.invocation('p', { resume: { ...resume, fork: true } }), /cannot continue a session in a new one/);
    assert.throws(() => geminiAgent.invocation('p', { resume: { ...resume, fork: true } }), /cannot continue a session in a new one/);
  });

  it('a history record keeps its conversation fields only when they are well formed', () => {
    const base = { schema: 1, id: 'r2', agentId: 'claude', agentName: 'Claude Code', prompt: 'p', fullPrompt: 'p', cwd: '/w', status: 'succeeded', createdAt: 1, finishedAt: 2, durationMs: 1, answerChars: 0, events: 1 };
    const ok = parseHistoryRecord(Buffer.from(JSON.stringify({ ...base, conversationId: 'r1', turn: 2, note: 'forked', sessionId: 'abc-1' })));
    assert.deepEqual([ok?.conversationId, ok?.turn, ok?.note, ok?.sessionId], ['r1', 2, 'forked', 'abc-1']);
    const hostile = parseHistoryRecord(Buffer.from(JSON.stringify({ ...base, conversationId: '../../x', turn: 2, sessionId: '--resume=evil' })));
    assert.ok(hostile, 'a damaged conversation field leaves a readable single run');
    assert.deepEqual([hostile.conversationId, hostile.turn, hostile.sessionId], [undefined, undefined, undefined]);
    assert.equal(parseHistoryRecord(Buffer.from(JSON.stringify({ ...base, conversationId: 'r1', turn: 0 })))?.turn, undefined);
  });
});
