import type { CliAgentSpec } from './cliAgent';

// TODO(codex): a placeholder so the agent is registered; replace every field marked TODO.
export const codexAgent: CliAgentSpec = {
  id: 'codex',
  displayName: 'OpenAI Codex',
  binaryNames: ['codex'],
  npmPackage: '@openai/codex',
  installHint: 'Install OpenAI Codex (`npm install -g @openai/codex`), then run "Agent Relay: Re-detect Agents".',
  permissionModes: [{ value: 'TODO', readOnly: true, description: 'TODO' }],
  defaultPermissionMode: 'TODO',
  gracefulSignal: 'SIGTERM',
  knownLocations: () => [],
  invocation() {
    throw new Error('OpenAI Codex is not supported yet.');
  },
  createParser() {
    throw new Error('OpenAI Codex is not supported yet.');
  },
};
