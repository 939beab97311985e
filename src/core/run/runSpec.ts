import type { AgentOptions } from '../agents/cliAgent';
import type { HttpProviderConfig } from '../http/httpAgents';
import type { PriorTurn } from '../agents/priorTurns';
import type { TurnOf } from './conversation';
import { checkPrompt, UserInputError } from './prompt';

/** Agent ids, built-in or registered by another extension. */
export const AGENT_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Throws a UserInputError for an id that is not a valid agent id. */
export function checkAgentId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !AGENT_ID.test(id)) {
    throw new UserInputError(`Invalid agent id ${JSON.stringify(String(id)).slice(0, 80)}: use 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit.`);
  }
}

/**
 * Everything one run needs, resolved once into plain data: by the VS Code
 * host from settings, by the headless CLI from its flags. Assembling the run
 * from it (run/assembly.ts) is the same everywhere.
 */
export interface RunSpec {
  agentId: string;
  /** What the agent receives: the user's words, then any attached context. */
  prompt: string;
  /** For people: the user's words alone and the context's label. */
  title: { prompt: string; context?: string };
  /** The working folder. */
  cwd: string;
  /** Scope of cached providers, detections and the response cache: the workspace folder's URI, or the folder. */
  scope: string;
  /** 0 = no limit. */
  timeoutMs: number;
  /** Transient failures are retried this many times (`agentRelay.run.retries`). */
  retries: number;
  /** Prompts larger than this are refused before anything queues. */
  maxPromptKilobytes: number;
  /** Longest line of agent output accepted (`agentRelay.run.maxLineMegabytes`, default 64); past it the run fails. */
  maxLineMegabytes?: number;
  /** `bypass` skips the lookup (the answer may still be stored); `off` leaves the cache out. */
  cache: 'use' | 'bypass' | 'off';
  /** For CLI agents: where the executable is set, and the options passed to it (model already translated). */
  cli?: {
    path?: string;
    /** The path setting was ignored because the workspace is not trusted. */
    pathIgnored?: boolean;
    /** Name of the path setting or flag, for messages. */
    pathSettingKey: string;
    options: AgentOptions;
  };
  /**
   * A follow-up turn: which conversation, and its earlier turns (resent to
   * model APIs; part of every agent's cache key). CLI agents get the session
   * to resume in `cli.options.resume`.
   */
  conversation?: TurnOf & { history: readonly PriorTurn[] };
  /** One of several agents asked this prompt at once. */
  group?: { groupId: string; index: number };
  /** For model APIs: the client's configuration (model already translated) and its rate limit. */
  http?: { config: HttpProviderConfig; requestsPerMinute: number };
}

/** Refuses what must not queue: a malformed agent id, an empty or oversized prompt. */
export function checkRunSpec(spec: RunSpec): void {
  checkAgentId(spec.agentId);
  checkPrompt(spec.prompt, spec.maxPromptKilobytes);
}
