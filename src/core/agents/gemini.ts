import type { CliAgentSpec } from './cliAgent';

// TODO(gemini): a placeholder so the agent is registered; replace every field marked TODO.
export const geminiAgent: CliAgentSpec = {
  id: 'gemini',
  displayName: 'Gemini CLI',
  binaryNames: ['gemini'],
  npmPackage: '@google/gemini-cli',
  installHint: 'Install Gemini CLI (`npm install -g @google/gemini-cli`), then run "Agent Relay: Re-detect Agents".',
  permissionModes: [{ value: 'TODO', readOnly: true, description: 'TODO' }],
  defaultPermissionMode: 'TODO',
  gracefulSignal: 'SIGTERM',
  knownLocations: () => [],
  invocation() {
    throw new Error('Gemini CLI is not supported yet.');
  },
  createParser() {
    throw new Error('Gemini CLI is not supported yet.');
  },
};
