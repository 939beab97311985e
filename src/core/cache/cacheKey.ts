import { stableHash } from '../util/canonicalJson';
import type { WorkspaceState } from './workspaceFingerprint';

/** Bump whenever what goes into a key changes: every old entry then misses instead of answering a different question. */
export const KEY_SCHEMA_VERSION = 2;

type SamplingValue = number | string | boolean | null;

/**
 * Everything about one run that can change its answer, as the caller (who
 * knows the agent) describes it. Published LLM caches have served wrong
 * answers whenever a key left a parameter out, so leave nothing out: when in
 * doubt put it in `extra`.
 */
export interface AgentKeyFields {
  agentId: string;
  /** The agent CLI's version (`claude --version`); null for HTTP APIs. */
  agentVersion: string | null;
  /** Who answers: `cli` for a local CLI, else the API (e.g. `anthropic`, `openai`). */
  provider: string;
  /** API base URL; null for CLIs. */
  endpoint: string | null;
  /** The model id after translation (`claude-sonnet-4-5-20250929`, not `sonnet`); null: the agent's own default. */
  model: string | null;
  permissionMode: string | null;
  /** Allowed tools (order ignored) and any other tool settings. */
  tools: { allowed: readonly string[]; [setting: string]: unknown };
  systemPrompt: string | null;
  /** The full prompt as sent, attached context included. */
  prompt: string;
  /** Context attached separately from the prompt, if any. */
  context?: unknown;
  /**
   * Every sampling parameter the agent takes, with its default made explicit:
   * `null` means "the server's default" and is not the same as 0 (an omitted
   * temperature is not temperature 0). Undefined values are turned into null.
   */
  sampling: Readonly<Record<string, SamplingValue | undefined>>;
  /** Extra environment for the agent process (it can change behaviour, e.g. a base URL). */
  environment?: Readonly<Record<string, string>>;
  /**
   * What else the agent reads that changes its answer: inherited environment
   * variables (`ANTHROPIC_MODEL`, `CLAUDE_CONFIG_DIR`, …; null when unset) and
   * the agent's own config and memory files (a content hash; null when absent).
   */
  inputs?: { env: Readonly<Record<string, string | null>>; files: Readonly<Record<string, string | null>> };
  /** Anything else that changes the answer: the extension version if it renders prompts, the OS, … */
  extra?: unknown;
  /**
   * A follow-up's earlier turns, prompts and answers, oldest first: a follow-up
   * is keyed on the whole conversation so far, never on its last prompt alone.
   * Not the agent's session id: that differs between equal conversations.
   */
  conversation?: readonly { prompt: string; answer: string }[];
}

export interface CacheKeyInput extends AgentKeyFields {
  workspaceId: string;
  /**
   * The run's folder, canonical (real path): two folders of one workspace, or
   * of one git repository, ask different questions. Null for agents that read
   * no files (model APIs) and for callers that have none.
   */
  folder?: string | null;
  /** Git state the agent could read; null when not fingerprinted (opted out, or an agent that reads no files). */
  workspaceState: WorkspaceState | null;
}

/** The key fields as kept for miss explanations: large or private parts only as hashes. */
export interface KeySummary {
  agentId: string;
  agentVersion: string | null;
  provider: string;
  endpoint: string | null;
  model: string | null;
  permissionMode: string | null;
  tools: string;
  systemPrompt: string | null;
  context: string | null;
  sampling: Record<string, SamplingValue>;
  environment: string | null;
  inputs: string | null;
  extra: string | null;
  folder: string | null;
  workspaceState: WorkspaceState | null;
  /** Hash of a follow-up's earlier turns. */
  conversation?: string;
}

export interface CacheKey {
  /** SHA-256 hex of the canonical key: the entry's file name and what its MAC binds. */
  hash: string;
  /** SHA-256 hex of agent + prompt: finds the last entry stored for "the same question" to explain a miss. */
  nearHash: string;
  summary: KeySummary;
}

const hashOrNull = (v: unknown) => (v === undefined || v === null ? null : stableHash(v));

/** Sampling values as stored in the key: undefined becomes null, long strings (stop sequences) a hash. */
function normaliseSampling(sampling: AgentKeyFields['sampling']): Record<string, SamplingValue> {
  const out: Record<string, SamplingValue> = {};
  for (const [k, v] of Object.entries(sampling)) {
    out[k] = v === undefined ? null : typeof v === 'string' && v.length > 64 ? `sha256:${stableHash(v)}` : v;
  }
  return out;
}

/** The canonical form every field takes in the key; exported for tests. */
export function canonicalKeyInput(input: CacheKeyInput): unknown {
  const { allowed, ...toolSettings } = input.tools;
  return {
    keySchema: KEY_SCHEMA_VERSION,
    workspaceId: input.workspaceId,
    agentId: input.agentId,
    agentVersion: input.agentVersion ?? null,
    provider: input.provider,
    endpoint: input.endpoint ?? null,
    model: input.model ?? null,
    permissionMode: input.permissionMode ?? null,
    tools: { allowed: [...new Set(allowed)].sort(), settings: toolSettings },
    systemPrompt: input.systemPrompt ?? null,
    prompt: input.prompt,
    context: input.context ?? null,
    sampling: Object.fromEntries(Object.entries(input.sampling).map(([k, v]) => [k, v ?? null])),
    environment: input.environment ?? {},
    inputs: input.inputs ?? null,
    extra: input.extra ?? null,
    folder: input.folder ?? null,
    workspaceState: input.workspaceState ?? null,
    // Only in follow-ups' keys, so that the keys of single turns stay what they were.
    ...(input.conversation?.length ? { conversation: input.conversation.map((t) => [t.prompt, t.answer]) } : {}),
  };
}

/**
 * The cache key for one run: canonical JSON (sorted keys, explicit nulls) then
 * SHA-256, so equal runs give equal keys in any process, and nothing a user
 * typed ever becomes part of a path.
 */
export function cacheKey(input: CacheKeyInput): CacheKey {
  const canonical = canonicalKeyInput(input);
  const c = canonical as { tools: unknown; environment: Record<string, string> };
  return {
    hash: stableHash(canonical),
    nearHash: stableHash({ keySchema: KEY_SCHEMA_VERSION, near: [input.agentId, input.prompt] }),
    summary: {
      agentId: input.agentId,
      agentVersion: input.agentVersion ?? null,
      provider: input.provider,
      endpoint: input.endpoint ?? null,
      model: input.model ?? null,
      permissionMode: input.permissionMode ?? null,
      tools: stableHash(c.tools),
      systemPrompt: hashOrNull(input.systemPrompt),
      context: hashOrNull(input.context),
      sampling: normaliseSampling(input.sampling),
      environment: Object.keys(c.environment).length ? stableHash(c.environment) : null,
      inputs: hashOrNull(input.inputs),
      extra: hashOrNull(input.extra),
      folder: hashOrNull(input.folder),
      workspaceState: input.workspaceState ?? null,
      ...(input.conversation?.length ? { conversation: stableHash(input.conversation.map((t) => [t.prompt, t.answer])) } : {}),
    },
  };
}

/** Entry names are hex hashes and nothing else: the only thing from a key that reaches a path. */
export function isKeyHash(s: string): boolean {
  return /^[0-9a-f]{64}$/.test(s);
}
