import type { CliAgentSpec } from './cliAgent';
import { claudeAgent } from './claude';
import { codexAgent } from './codex';
import { geminiAgent } from './gemini';
import { opencodeAgent } from './opencode';

/** Every agent CLI Agent Relay can run, in the order the pickers show them. */
export const AGENTS: readonly CliAgentSpec[] = [claudeAgent, codexAgent, geminiAgent, opencodeAgent];

export function findAgent(id: string): CliAgentSpec | undefined {
  return AGENTS.find((a) => a.id === id);
}

/** An error message for an agent id nobody knows, listing the ones that exist. */
export function unknownAgentMessage(id: string): string {
  return `Unknown agent "${id}". Known agents: ${AGENTS.map((a) => a.id).join(', ')}.`;
}
