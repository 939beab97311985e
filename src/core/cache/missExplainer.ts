import type { KeySummary } from './cacheKey';

/** What the near index keeps about the last entry stored for the same agent and prompt. */
export interface NearRecord {
  keyHash: string;
  summary: KeySummary;
  createdAt: number;
  ttlMs: number;
}

const show = (v: unknown) => (v === null || v === undefined ? 'default' : String(v));
const change = (a: unknown, b: unknown) => `(${show(a)} → ${show(b)})`;

/**
 * The first difference between the key of the last stored entry for this
 * question and the key now, in words; undefined when the keys agree. Ordered
 * from the likeliest and most useful to know.
 */
export function explainDifference(before: KeySummary, now: KeySummary): string | undefined {
  if (before.agentVersion !== now.agentVersion) {
    const what = now.provider === 'cli' ? `${now.agentId} CLI version` : `${now.agentId} version`;
    return `${what} changed ${change(before.agentVersion, now.agentVersion)}`;
  }
  if (before.provider !== now.provider || before.endpoint !== now.endpoint) return 'endpoint changed';
  if ((before.folder ?? null) !== (now.folder ?? null)) return 'another folder';
  if (before.model !== now.model) return `model changed ${change(before.model, now.model)}`;
  if (before.permissionMode !== now.permissionMode) return `permission mode changed ${change(before.permissionMode, now.permissionMode)}`;
  const w0 = before.workspaceState;
  const w1 = now.workspaceState;
  if (w0?.head !== w1?.head) return w0 && w1 ? 'the workspace changed (new commit)' : 'the workspace changed (fingerprint turned on or off)';
  if (w0?.changes !== w1?.changes) return 'the workspace changed (uncommitted changes)';
  if (before.systemPrompt !== now.systemPrompt) return 'system prompt changed';
  if (before.tools !== now.tools) return 'tool settings changed';
  const sampling = [...new Set([...Object.keys(before.sampling), ...Object.keys(now.sampling)])]
    .sort()
    .filter((k) => before.sampling[k] !== now.sampling[k]);
  if (sampling.length) return `sampling changed (${sampling.map((k) => `${k} ${show(before.sampling[k])} → ${show(now.sampling[k])}`).join(', ')})`;
  if ((before.conversation ?? null) !== (now.conversation ?? null)) return 'the conversation so far differs';
  if (before.context !== now.context) return 'attached context changed';
  if (before.environment !== now.environment) return 'agent environment changed';
  if ((before.inputs ?? null) !== (now.inputs ?? null)) return "the agent's configuration changed (its settings or memory files, or an environment variable it reads)";
  if (before.extra !== now.extra) return 'agent settings changed';
  return undefined;
}

/** Why a lookup missed, for the `cache` miss event. */
export type MissCause =
  | { kind: 'absent' }
  | { kind: 'expired' }
  | { kind: 'invalid' }
  | { kind: 'unknown-key' }
  | { kind: 'newer-format' }
  | { kind: 'cache-off' }
  | { kind: 'io-error' }
  /** A link where the entry belongs, or a file where a folder belongs: not read, left for verify. */
  | { kind: 'unsafe' }
  /** The run's signal was aborted: the lookup stopped without an answer. */
  | { kind: 'aborted' };

/** A miss in words, using the near record when there is one ("claude CLI version changed (2.1.1 → 2.1.2)"). */
export function explainMiss(cause: MissCause, now: KeySummary, near: NearRecord | undefined, nowMs: number): string {
  switch (cause.kind) {
    case 'expired':
      return 'expired';
    case 'invalid':
      return 'the entry failed verification and was removed';
    case 'unknown-key':
      return 'the entry was signed with another secret';
    case 'newer-format':
      return 'the entry was written by a newer Agent Relay';
    case 'cache-off':
      return 'the cache is off';
    case 'io-error':
      return 'the entry could not be read';
    case 'unsafe':
      return 'the cache folder holds a link or a file where the entry or its folder belongs; verifying the cache repairs it';
    case 'aborted':
      return 'the lookup was cancelled';
    case 'absent': {
      if (!near) return 'not cached yet';
      const diff = explainDifference(near.summary, now);
      if (diff) return diff;
      if (nowMs >= near.createdAt + near.ttlMs) return 'expired';
      return 'the entry was evicted or cleared';
    }
  }
}
