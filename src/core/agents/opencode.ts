import type { CliAgentSpec } from './cliAgent';

// TODO(opencode): a placeholder so the agent is registered; replace every field marked TODO.
export const opencodeAgent: CliAgentSpec = {
  id: 'opencode',
  displayName: 'OpenCode',
  binaryNames: ['opencode'],
  npmPackage: 'opencode-ai',
  installHint: 'Install OpenCode (`npm install -g opencode-ai`), then run "Agent Relay: Re-detect Agents".',
  permissionModes: [{ value: 'TODO', readOnly: true, description: 'TODO' }],
  defaultPermissionMode: 'TODO',
  gracefulSignal: 'SIGTERM',
  knownLocations: () => [],
  invocation() {
    throw new Error('OpenCode is not supported yet.');
  },
  createParser() {
    throw new Error('OpenCode is not supported yet.');
  },
};
