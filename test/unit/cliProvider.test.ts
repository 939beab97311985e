import * as assert from 'node:assert/strict';
import type { AgentEvent } from '../../src/core/agents/events';
import { CliAgentProvider } from '../../src/core/cli/cliProvider';
import { AGENTS } from '../../src/core/agents/registry';
import { nullLogger } from '../../src/core/log';

describe('CliAgentProvider', () => {
  for (const spec of AGENTS) {
    it(`${spec.displayName}: an executable that cannot be started is a failed run that says why`, async () => {
      // Found earlier, gone now (uninstalled between detection and the run).
      const gone = '/nonexistent/agent-relay-test/bin/' + spec.binaryNames[0];
      const provider = new CliAgentProvider(spec, {
        locate: async () => ({ found: true, agentId: spec.id, path: gone, foundBy: 'PATH', launch: { command: gone, argsPrefix: [] }, trail: [], version: async () => undefined }),
      });
      const events: AgentEvent[] = [];
      const outcome = await provider.run({ prompt: 'hi', cwd: __dirname, options: {} }, { emit: (e) => events.push(e), signal: new AbortController().signal, logger: nullLogger });
      assert.equal(outcome.status, 'failed');
      assert.match(outcome.message!, new RegExp(`${spec.displayName} could not be started: .*does not exist any more.*Re-detect Agents`));
      assert.deepEqual(events, [{ type: 'error', message: outcome.message }]);
    });
  }
});
