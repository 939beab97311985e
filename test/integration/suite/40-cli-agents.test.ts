import * as assert from 'node:assert/strict';
import type { ModelServer } from '../../support/modelServer';
import { api, browser, closeAllEditors, configureAgent, probeUrl, runAgent, startModelServer } from './harness';

/** Every agent CLI runs from the command path and streams into the panel, against its real CLI. */
describe('the other agent CLIs in VS Code', () => {
  let server: ModelServer;

  before(async () => {
    server = await startModelServer();
  });

  after(async () => {
    await closeAllEditors();
    await server?.close();
  });

  const cases = [
    { id: 'codex' as const, name: 'OpenAI Codex', wire: 'openai-responses', settings: {} },
    // The shell is opened by a user policy in the scratch home (echo only), in Gemini's default mode.
    { id: 'gemini' as const, name: 'Gemini CLI', wire: 'gemini', settings: { 'gemini.permissionMode': 'default' } },
    // The build agent, under a user config that allows `echo *` only; "sonnet" is translated to anthropic/claude-sonnet-5.
    { id: 'opencode' as const, name: 'OpenCode', wire: 'anthropic', settings: { 'opencode.permissionMode': 'build', 'opencode.model': 'sonnet' } },
  ];

  for (const c of cases) {
    it(`${c.name}: found on PATH, runs a tool for real, and the answer reaches the panel`, async () => {
      await configureAgent(c.id, server, c.settings);
      const relay = await api();
      const d = await relay.detect(c.id);
      assert.equal(d.found, true, d.message);
      assert.equal(d.foundBy, 'PATH');

      const before = server.messageRequests(c.wire).length;
      const runId = await runAgent(`RUN_TOOL: run echo ${c.id}-in-vscode`, c.id);
      const run = relay.getRun(runId)!;
      const outcome = await run.done;
      assert.equal(outcome.status, 'succeeded', outcome.message);
      assert.ok(server.messageRequests(c.wire).length >= before + 2, 'the tool result never went back to the model');
      const events = run.events().map((e) => e.event);
      const result = events.find((e) => e.type === 'tool-result');
      assert.ok(result?.type === 'tool-result' && result.output.includes(`${c.id}-in-vscode`), JSON.stringify(result));
      assert.match(outcome.result ?? '', new RegExp(`The command printed: ${c.id}-in-vscode`));
      if (c.id === 'opencode') assert.equal(server.messageRequests('anthropic').at(-1)!.body.model, 'claude-sonnet-5', 'the canonical model name was not translated');
      if (probeUrl) {
        const text = await browser.waitForText(runId, (t) => t.includes(`The command printed: ${c.id}-in-vscode`));
        assert.match(text, new RegExp(`echo ${c.id}-in-vscode`), 'the tool call is not shown');
        await browser.waitForText(runId, (t) => t === 'Done', 30_000, '#status');
      }
    });
  }
});
