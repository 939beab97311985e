import { createHash } from 'node:crypto';
import * as path from 'node:path';

/**
 * Where a window's workspace lives, as VS Code names it (`uri.toString()` of
 * `workspace.workspaceFile` and of each `workspaceFolders[i].uri`) or, from the
 * headless CLI, as absolute paths. Both spellings of the same folder give the
 * same id, so a headless run and a VS Code window share a workspace's cache.
 */
export interface WorkspaceLocation {
  /** The saved `.code-workspace` file; an `untitled:` one is ignored (it has no stable identity). */
  workspaceFile?: string;
  folders: readonly string[];
}

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):/; // two characters at least, so `C:` is a drive

/** A Windows-shaped path (drive letter or UNC) is compared case-insensitively, as Windows does. */
function canonicalPath(p: string): string {
  let s = p.replace(/\\/g, '/');
  if (/^\/[a-zA-Z]:/.test(s)) s = s.slice(1); // `/c:/x` from a file URI
  const unc = s.startsWith('//') && !s.startsWith('///');
  const windows = unc || /^[a-zA-Z]:/.test(s);
  s = (unc ? '/' : '') + path.posix.normalize(s);
  if (s.length > 1 && s.endsWith('/') && !/^[a-zA-Z]:\/$/.test(s)) s = s.slice(0, -1);
  return windows ? s.toLowerCase() : s;
}

/** One folder or file location in a form that is equal exactly when it is the same place. */
export function canonicalLocation(location: string): string {
  const m = SCHEME.exec(location);
  if (!m) return `file:${canonicalPath(location)}`;
  const scheme = m[1].toLowerCase();
  const rest = location.slice(m[0].length);
  const [, authority = '', rawPath = '', query = ''] = /^(?:\/\/([^/?#]*))?([^?#]*)(\?[^#]*)?/.exec(rest) ?? [];
  let decoded = rawPath;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    // keep the raw path: it still identifies the place
  }
  if (scheme === 'file') return `file:${canonicalPath(authority ? `//${authority}${decoded}` : decoded)}`;
  const p = decoded.length > 1 ? decoded.replace(/\/+$/, '') : decoded;
  return `${scheme}://${authority.toLowerCase()}${p}${query}`;
}

/**
 * A stable id for a workspace: a hash of the saved workspace file if there is
 * one, else of the sorted set of folders. Undefined for a window with no
 * folder (the caller does not cache there). 32 hex digits (128 bits): short
 * enough to keep Windows paths under the 260-character limit.
 */
export function workspaceId(location: WorkspaceLocation): string | undefined {
  const file = location.workspaceFile && !/^untitled:/i.test(location.workspaceFile) ? location.workspaceFile : undefined;
  let canonical: string;
  if (file) canonical = `workspace-file\0${canonicalLocation(file)}`;
  else {
    const folders = [...new Set(location.folders.map(canonicalLocation))].sort();
    if (!folders.length) return undefined;
    canonical = `folders\0${folders.join('\n')}`;
  }
  return createHash('sha256').update(`agent-relay/workspace-id/v1\0${canonical}`).digest('hex').slice(0, 32);
}

/** Workspace ids are what reaches the cache's folder names, so nothing else is accepted. */
export function isWorkspaceId(s: string): boolean {
  return /^[0-9a-f]{32}$/.test(s);
}

/** The id of a window without a folder: its runs still have a history, one shared by every such window. */
export function noFolderWorkspaceId(): string {
  return createHash('sha256').update('agent-relay/workspace-id/v1\0no-folder').digest('hex').slice(0, 32);
}
