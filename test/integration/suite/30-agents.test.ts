import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AgentProvider } from '../../../src/core/agents/provider';
import type { ModelServer } from '../../support/modelServer';
import { waitFor } from '../../support/processes';
import { api, browser, closeAllEditors, configureClaude, probeUrl, requireBrowser, runAgent, startModelServer, within } from './harness';

const KEY = 'sk-ant-integration-secret-123';
const httpBundleLoaded = () => Object.keys(require.cache).some((k) => /[\\/]dist[\\/]httpProviders\.js$/.test(k));

describe('all the agents', () => {
  let server: ModelServer;
  const config = () => vscode.workspace.getConfiguration('agentRelay');

  before(async () => {
    server = await startModelServer();
    await configureClaude(server);
    await config().update('anthropic.baseUrl', server.url, vscode.ConfigurationTarget.Global);
    await config().update('openai.baseUrl', `${server.url}/v1`, vscode.ConfigurationTarget.Global);
    await config().update('openai.model', 'llama3.1', vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await vscode.commands.executeCommand('agentRelay.setApiKey', 'anthropic', '');
    for (const key of ['anthropic.baseUrl', 'openai.baseUrl', 'openai.model', 'anthropic.maxTokens']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    await closeAllEditors();
    await server?.close();
  });

  it('the Agents view lists every agent and where the CLI was found', async function () {
    requireBrowser(this);
    await vscode.commands.executeCommand('agentRelay.agents.focus');
    let text = '';
    const ok = await waitFor(async () => {
      text = (await browser.workbench('.part.sidebar')).text ?? '';
      return /Claude Code[\s\S]*found \(PATH\)/.test(text) && text.includes('Anthropic API');
    }, 60_000, 200);
    assert.ok(ok, `the Agents view shows:\n${text}`);
    for (const name of ['OpenAI Codex', 'Gemini CLI', 'OpenCode', 'OpenAI-compatible API']) assert.ok(text.includes(name), `${name} is missing`);
    assert.match(text, /Anthropic API\s*no API key/);
  });

  it('does not load the HTTP providers until an API agent runs', async () => {
    await api();
    assert.equal(httpBundleLoaded(), false, 'activation (or a CLI run) loaded dist/httpProviders.js');
  });

  it('runs the Anthropic API with the key from secret storage, streaming into the panel', async function () {
    const stored = await vscode.commands.executeCommand<boolean>('agentRelay.setApiKey', 'anthropic', KEY);
    assert.equal(stored, true);
    const gate = server.gate('api');
    const runId = await runAgent('Stream please GATE:api', 'anthropic');
    const run = (await api()).getRun(runId)!;
    await within(gate.reached, 30_000, 'the API request never arrived');
    if (probeUrl) await browser.waitForText(runId, (t) => t.includes('Alpha Beta Gamma'));
    gate.release();
    const outcome = await run.done;
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.equal(outcome.result, 'Alpha Beta Gamma Delta: released.');
    assert.equal(httpBundleLoaded(), true);
    const req = server.messageRequests('anthropic').at(-1)!;
    assert.equal(req.headers['x-api-key'], KEY);
    assert.equal(req.body.model, 'claude-sonnet-5', 'the canonical "sonnet" was not translated');
    if (probeUrl) await browser.waitForText(runId, (t) => t === 'Done', 30_000, '#status');
  });

  it('keeps one client per configuration: runs reuse its connection, a settings change replaces it', async () => {
    const before = server.connections;
    for (const p of ['one', 'two']) assert.equal((await (await api()).getRun(await runAgent(p, 'anthropic'))!.done).status, 'succeeded');
    const ports = server.messageRequests('anthropic').slice(-2).map((r) => r.remotePort);
    assert.equal(server.connections, before, `a warm client opened a new connection (ports ${ports})`);
    await config().update('anthropic.maxTokens', 1234, vscode.ConfigurationTarget.Global);
    assert.equal((await (await api()).getRun(await runAgent('three', 'anthropic'))!.done).status, 'succeeded');
    assert.equal(server.connections, before + 1, 'the new configuration should have its own client');
    assert.equal(server.messageRequests('anthropic').at(-1)!.body.max_tokens, 1234);
  });

  it('runs an OpenAI-compatible server (no key needed)', async () => {
    const runId = await runAgent('Say hello', 'openai');
    const outcome = await (await api()).getRun(runId)!.done;
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.equal(outcome.result, 'Hello from the loopback model.');
    assert.equal(server.messageRequests('openai-chat').at(-1)!.body.model, 'llama3.1');
    if (probeUrl) await browser.waitForText(runId, (t) => t.includes('Hello from the loopback model.'));
  });

  it('Doctor reports detection trails, versions, PATH, trust, storage, and keys only as set/not set', async () => {
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('agentRelay.doctor');
    assert.ok(doc, 'Doctor returned no document');
    const text = doc.getText();
    assert.match(text, /# Agent Relay Doctor/);
    assert.match(text, /### Claude Code \(`claude`\)\n\n- \*\*Found\*\* at `[^`]+claude` \(by PATH\)\n- Version: 2\.1\.197 \(Claude Code\)/);
    assert.match(text, /\| Workspace trusted \| yes \|/);
    assert.match(text, /\| Global storage \| .+agent-relay\.agent-relay/);
    assert.match(text, /\| Anthropic API \| http:\/\/127\.0\.0\.1:\d+ \| `claude-sonnet-5` \| set \(in secret storage\) \|/);
    assert.match(text, /## PATH of the extension host\n\n- `/);
    assert.ok(!text.includes(KEY), 'the API key appeared in the Doctor report');
  });

  it('another extension can register a provider through the API (docs/providers.md example)', async () => {
    const relay = await api();
    const echo: AgentProvider = {
      id: 'acme.echo',
      displayName: 'Echo',
      async run(request, { emit, signal }) {
        const started = Date.now();
        emit({ type: 'started', agentId: 'acme.echo', model: 'echo-1' });
        for (const word of request.prompt.split(/(\s+)/)) {
          if (signal.aborted) return { status: signal.reason, durationMs: Date.now() - started };
          emit({ type: 'text', text: word });
          await new Promise((r) => setTimeout(r, 20));
        }
        return { status: 'succeeded', durationMs: Date.now() - started, result: request.prompt };
      },
    };
    const registration = relay.registerProvider(echo);
    try {
      assert.ok(relay.agents().includes('acme.echo'));
      assert.throws(() => relay.registerProvider(echo), /already registered/);
      const runId = await runAgent('echo these words back', 'acme.echo');
      const outcome = await relay.getRun(runId)!.done;
      assert.equal(outcome.status, 'succeeded');
      if (probeUrl) await browser.waitForText(runId, (t) => t.includes('echo these words back'));
    } finally {
      registration.dispose();
    }
    assert.ok(!relay.agents().includes('acme.echo'));
  });
});
