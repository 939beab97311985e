// Follow-up turns in VS Code: typed into the run panel's reply box, resumed in
// Claude Code's own session (the loopback model server answers RECALL only
// when the request carries the earlier REMEMBER:word), forked when the turn
// came from the cache, and resent as history to a model API within its bound.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AgentRelayApiV2 } from '../../../src/host/api';
import type { ModelServer } from '../../support/modelServer';
import { waitFor } from '../../support/processes';
import { api, browser, closeAllEditors, configureClaude, requireBrowser, runAgent, startModelServer } from './harness';

describe('conversations: follow-up turns', () => {
  let server: ModelServer;
  let v2: AgentRelayApiV2;
  const config = () => vscode.workspace.getConfiguration('agentRelay');
  const sessionsOf = async (runId: string) => ((await v2.readEvents(runId)) ?? []).flatMap((e) => (e.event.type === 'started' && e.event.sessionId ? [e.event.sessionId] : []));
  const answerOf = async (runId: string) => ((await v2.readEvents(runId)) ?? []).flatMap((e) => (e.event.type === 'text' ? [e.event.text] : [])).join('');

  before(async () => {
    server = await startModelServer();
    await configureClaude(server);
    v2 = (await api()).getApi(2);
    await closeAllEditors();
  });
  after(async () => {
    await config().update('anthropic.baseUrl', undefined, vscode.ConfigurationTarget.Global);
    await config().update('anthropic.maxHistoryTokens', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('agentRelay.setApiKey', 'anthropic', '');
    await server?.close();
  });

  it('a follow-up typed into the reply box resumes Claude Code\'s session; the panel shows both turns', async function () {
    requireBrowser(this);
    const id = await runAgent('Conversation: keep this word. REMEMBER:violet');
    await browser.waitForText(id, (t) => t === 'Done', 60_000, '#status');
    await browser.click(id, '#reply');
    await browser.type('Which word was it? RECALL');
    await browser.press('Enter');
    const text = await browser.waitForText(id, (t) => t.includes('You told me violet.'), 120_000);
    assert.match(text, /Hello from the loopback model\.[\s\S]*Done[\s\S]*You · turn 2[\s\S]*Which word was it\? RECALL[\s\S]*You told me violet\.$/);
    await browser.waitForText(id, (t) => t === 'Done', 60_000, '#status');
    // The follow-up's request carried the first turn: Claude Code really resumed, in the same session.
    const followUp = server.messageRequests('anthropic').filter((q) => JSON.stringify(q.body).includes('Which word was it'));
    assert.ok(followUp.length && followUp.every((q) => JSON.stringify(q.body).includes('REMEMBER:violet')), 'the follow-up request lacks the first turn');
    const turn2 = (await v2.listRuns()).find((r) => r.conversationId === id);
    assert.ok(turn2 && turn2.turn === 2 && turn2.status === 'succeeded', JSON.stringify(turn2));
    assert.deepEqual(await sessionsOf(turn2.id), await sessionsOf(id));
    // Copy Answer copies the latest turn's answer.
    await vscode.env.clipboard.writeText('');
    await browser.click(id, '#copy');
    assert.ok(await waitFor(async () => (await vscode.env.clipboard.readText()) === 'You told me violet.', 30_000), await vscode.env.clipboard.readText());
    // The Runs view shows the conversation once, with its turns.
    await vscode.commands.executeCommand('agentRelay.runs.focus');
    assert.ok(await waitFor(async () => /Conversation: keep this word[^\n]*\n?[\s\S]{0,200}2 turns/.test((await browser.workbench('.part.sidebar')).text ?? ''), 60_000, 200), (await browser.workbench('.part.sidebar')).text);
  });

  it('two conversations from one cached answer: each follow-up continues in a session of its own, and the panel says so', async () => {
    const prompt = 'Conversation: a cached start. REMEMBER:indigo';
    const real = await runAgent(prompt);
    assert.equal((await (await api()).getRun(real)!.done).status, 'succeeded');
    const hits: string[] = [];
    for (let i = 0; i < 2; i++) {
      const hit = await runAgent(prompt);
      assert.equal((await (await api()).getRun(hit)!.done).fromCache, true, 'an identical run was not answered from the cache');
      hits.push(hit);
    }
    const a = await v2.followUp(hits[0], 'First branch. RECALL');
    const b = await v2.followUp(hits[1], 'Second branch. RECALL');
    for (const t of [a, b]) {
      assert.equal(t.status, 'succeeded');
      assert.equal(await answerOf(t.id), 'You told me indigo.');
    }
    const [stored] = await sessionsOf(real);
    const [sa] = await sessionsOf(a.id);
    const [sb] = await sessionsOf(b.id);
    assert.ok(stored && sa && sb && sa !== sb && sa !== stored && sb !== stored, `sessions: stored ${stored}, ${sa}, ${sb}`);
    // Its panel is behind the later runs' tabs: brought to the front, it is drawn.
    await vscode.commands.executeCommand('agentRelay.openRun', hits[0]);
    if (process.env.AGENT_RELAY_TEST_PROBE) await browser.waitForText(hits[0], (t) => /continues its session in a new one \(forked\)/.test(t) && t.endsWith('You told me indigo.'), 60_000);
  });

  it('a model API gets the history, within agentRelay.anthropic.maxHistoryTokens, and the panel says when it trims', async () => {
    await config().update('anthropic.baseUrl', server.url, vscode.ConfigurationTarget.Global);
    assert.equal(await vscode.commands.executeCommand('agentRelay.setApiKey', 'anthropic', 'sk-ant-loopback-test'), true);
    const id = await runAgent('API conversation. REMEMBER:ochre', 'anthropic');
    assert.equal((await (await api()).getRun(id)!.done).status, 'succeeded');
    const t2 = await v2.followUp(id, 'API follow-up. RECALL');
    assert.equal(await answerOf(t2.id), 'You told me ochre.');
    const sent = server.messageRequests('anthropic').at(-1)!.body.messages as { role: string; content: string }[];
    assert.deepEqual(sent.map((m) => m.role), ['user', 'assistant', 'user']);
    // A bound too small for the earlier turns: they are left out, and the panel says so.
    await config().update('anthropic.maxHistoryTokens', 5, vscode.ConfigurationTarget.Global);
    const t3 = await v2.followUp(id, 'Trimmed follow-up. RECALL');
    assert.equal(await answerOf(t3.id), 'Nothing to recall.');
    assert.deepEqual((server.messageRequests('anthropic').at(-1)!.body.messages as unknown[]).length, 1);
    const notices = ((await v2.readEvents(t3.id)) ?? []).flatMap((e) => (e.event.type === 'notice' ? [e.event.message] : []));
    assert.ok(notices.some((n) => /agentRelay\.anthropic\.maxHistoryTokens allows: the oldest 2 turns were left out/.test(n)), notices.join('\n'));
    await vscode.commands.executeCommand('agentRelay.openRun', id);
    if (process.env.AGENT_RELAY_TEST_PROBE) await browser.waitForText(id, (t) => t.includes('the oldest 2 turns were left out'), 60_000);
  });
});
