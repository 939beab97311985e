import type { AgentEvent, RunOutcome } from '../agents/events';

/**
 * `readOnlyOnly` (default): only runs in a read-only permission mode are
 * cached, because replaying an answer does not re-apply the edits a run made.
 * `allSuccessful`: any complete, successful run that demonstrably changed
 * nothing (see storeVerdict).
 */
export type CacheMode = 'readOnlyOnly' | 'allSuccessful';

export interface CachePolicy {
  mode: CacheMode;
  /** Agent ids never cached (looked up or stored). */
  excludedAgents: readonly string[];
  /** Wall-clock lifetime of an entry. */
  ttlMs: number;
  /** Entries bigger than this (encoded) are not stored. */
  maxEntryBytes: number;
  /**
   * Key on the git state of the workspace (on by default). Off, answers are
   * reused across code changes; in a folder without git, agents that read
   * files are cached only with this off.
   */
  workspaceFingerprint: boolean;
}

export const DEFAULT_POLICY: CachePolicy = {
  mode: 'readOnlyOnly',
  excludedAgents: [],
  ttlMs: 24 * 60 * 60_000,
  maxEntryBytes: 4 << 20,
  workspaceFingerprint: true,
};

/** What the caller knows about a run before it starts. */
export interface RunTraits {
  agentId: string;
  /** The permission mode is read-only (`PermissionMode.readOnly`; true for plain model APIs, which have no tools). */
  readOnly: boolean;
  /** The agent reads workspace files by itself (CLIs), so its answer depends on the workspace state. */
  readsWorkspace: boolean;
  permissionMode?: string | null;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

const OK: Verdict = { ok: true };

/** Before the run: may it use the cache at all? */
export function lookupVerdict(policy: CachePolicy, traits: RunTraits): Verdict {
  if (policy.excludedAgents.includes(traits.agentId)) return { ok: false, reason: 'excluded agent' };
  if (policy.mode === 'readOnlyOnly' && !traits.readOnly) {
    return { ok: false, reason: `permission mode${traits.permissionMode ? ` "${traits.permissionMode}"` : ''} is not read-only` };
  }
  return OK;
}

export type ToolKind = 'edit' | 'read' | 'other';

/** Tools that change files, as the agents name them (Claude Code, Codex, Gemini CLI, OpenCode, common MCP servers). */
const EDIT_TOOLS = new Set([
  'edit', 'write', 'multiedit', 'notebookedit', 'apply_patch', 'patch', 'write_file', 'replace', 'save_memory',
  'create_file', 'delete_file', 'move_file', 'str_replace_editor', 'str_replace_based_edit_tool', 'file_change',
]);
/** Tools known to only read (or to touch only the agent's own state, like a todo list). */
const READ_TOOLS = new Set([
  'read', 'grep', 'glob', 'ls', 'list', 'notebookread', 'webfetch', 'websearch', 'web_fetch', 'web_search', 'google_web_search',
  'read_file', 'read_many_files', 'list_directory', 'search_file_content', 'todowrite', 'todoread', 'exitplanmode', 'task',
]);

export function classifyTool(name: string): ToolKind {
  const n = name.toLowerCase();
  if (READ_TOOLS.has(n)) return 'read';
  if (EDIT_TOOLS.has(n)) return 'edit';
  // An unknown name that says it writes is treated as an edit: better a miss than a replay that skips one.
  if (/(^|[^a-z])(edit|write|patch|replace|delete|remove|rename|move|create|mkdir)/.test(n) || /(edit|write)$/.test(n)) return 'edit';
  return 'other';
}

/**
 * After the run: may its answer be stored? Only complete, successful runs
 * that changed nothing. A succeeded outcome with a message is one the agent
 * flagged as incomplete (e.g. cut at max_tokens). An edit whose tool result is
 * an error did not change anything; one with no result is assumed to have.
 * Outside read-only modes any tool not known to only read (a shell, an MCP
 * call) may have changed files, so such runs are not stored either.
 */
export function storeVerdict(traits: RunTraits, events: readonly AgentEvent[], outcome: RunOutcome): Verdict {
  if (outcome.status === 'cancelled') return { ok: false, reason: 'the run was cancelled' };
  if (outcome.status === 'timed-out') return { ok: false, reason: 'the run timed out' };
  if (outcome.status !== 'succeeded') return { ok: false, reason: 'the run failed' };
  if (outcome.message) return { ok: false, reason: 'the answer may be incomplete' };
  if (events.some((e) => e.type === 'error')) return { ok: false, reason: 'the run reported an error' };
  const failedTools = new Set(events.flatMap((e) => (e.type === 'tool-result' && e.isError ? [e.toolUseId] : [])));
  for (const e of events) {
    if (e.type !== 'tool-use') continue;
    const kind = classifyTool(e.name);
    if (kind === 'edit' && !failedTools.has(e.id)) return { ok: false, reason: 'the run changed files' };
    if (kind === 'other' && !traits.readOnly) return { ok: false, reason: `the run used ${e.name}, which may have changed files` };
  }
  return OK;
}
