/**
 * A growing markdown text kept as chunks of a few kilobytes, so a panel can
 * draw (and forget) each chunk on its own and never touches a string of
 * megabytes:
 *
 * - a chunk ends where a new top-level block starts (after a blank line,
 *   outside code fences) once it holds CHUNK_TARGET characters, so rendering
 *   chunks one by one gives what rendering the whole text would;
 * - past CHUNK_MAX it ends at the next line anyway (a huge code block or
 *   paragraph); a chunk that starts inside a fenced code block remembers the
 *   fence's opening line, which is put back in front when it is rendered;
 * - a single line past CHUNK_MAX is cut where it stands.
 *
 * Deltas are only collected on arrival (O(1)); `settle` joins and scans them,
 * once per frame, touching only the open chunk and the new text. Every chunk
 * but the last is closed: its text never changes again.
 */
export const CHUNK_TARGET = 4 * 1024;
export const CHUNK_MAX = 16 * 1024;

export interface TextChunk {
  text: string;
  /** The opening line of the fenced code block this chunk starts inside, if any. */
  fence?: string;
}

export interface ChunkedText {
  chunks: TextChunk[];
  /** Characters in all chunks and pending deltas. */
  chars: number;
  /** Deltas not yet joined into the last chunk. */
  pending: string[];
  /** Offset in the last chunk of the first line not yet scanned. */
  scanned: number;
  /** The fence the scan is inside of: its marker (``` or ~~~, at least three) and opening line. */
  fenceMarker?: string;
  fenceLine?: string;
  /** Whether the last scanned line was blank (outside a fence). */
  prevBlank: boolean;
}

export function chunkedText(text = ''): ChunkedText {
  const t: ChunkedText = { chunks: [{ text: '' }], chars: 0, pending: [], scanned: 0, prevBlank: false };
  if (text) appendText(t, text);
  return t;
}

/** Collects a delta; nothing is joined or scanned until `settle`. */
export function appendText(t: ChunkedText, delta: string): void {
  if (!delta) return;
  t.pending.push(delta);
  t.chars += delta.length;
}

/** Joins pending deltas into the last chunk and closes chunks where they may end. Returns whether anything changed. */
export function settle(t: ChunkedText): boolean {
  if (!t.pending.length) return false;
  let last = t.chunks[t.chunks.length - 1];
  last.text += t.pending.length === 1 ? t.pending[0] : t.pending.join('');
  t.pending = [];
  let text = last.text;
  let pos = t.scanned;
  for (let nl = text.indexOf('\n', pos); nl !== -1; nl = text.indexOf('\n', pos)) {
    const line = text.slice(pos, nl);
    const blank = isBlank(line);
    if (pos > 0) {
      const clean = !t.fenceMarker && t.prevBlank && !blank && !/^[ \t]/.test(line) && pos >= CHUNK_TARGET;
      if (clean || pos >= CHUNK_MAX) {
        last.text = text.slice(0, pos);
        last = { text: text.slice(pos), fence: t.fenceMarker ? t.fenceLine : undefined };
        t.chunks.push(last);
        text = last.text;
        pos = 0;
        continue; // the same line again, now at the start of its chunk
      }
    }
    trackFence(t, line);
    t.prevBlank = !t.fenceMarker && blank;
    pos = nl + 1;
  }
  // One line longer than a chunk may be: cut it where it stands.
  while (text.length - pos > CHUNK_MAX) {
    const cut = pos + CHUNK_MAX;
    last.text = text.slice(0, cut);
    last = { text: text.slice(cut), fence: t.fenceMarker ? t.fenceLine : undefined };
    t.chunks.push(last);
    text = last.text;
    pos = 0;
  }
  t.scanned = pos;
  return true;
}

/** The whole text (for copying and searching): settles first. */
export function wholeText(t: ChunkedText): string {
  settle(t);
  return t.chunks.length === 1 ? t.chunks[0].text : t.chunks.map((c) => c.text).join('');
}

/** What a chunk renders: its text, with the fence it starts inside of put back in front. */
export function chunkSource(c: TextChunk): string {
  return c.fence ? `${c.fence}\n${c.text}` : c.text;
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

function trackFence(t: ChunkedText, line: string): void {
  const c = line.charCodeAt(line.search(/\S/));
  if (c !== 96 /* ` */ && c !== 126 /* ~ */) return;
  const marker = FENCE.exec(line)?.[1];
  if (!marker) return;
  if (!t.fenceMarker) {
    // A backtick fence's info string may not contain a backtick; then it is not a fence.
    if (marker[0] === '`' && line.slice(line.indexOf(marker) + marker.length).includes('`')) return;
    t.fenceMarker = marker;
    t.fenceLine = line.trimStart().replace(/\r$/, '');
  } else if (marker[0] === t.fenceMarker[0] && marker.length >= t.fenceMarker.length && line.trim() === marker) {
    t.fenceMarker = undefined;
    t.fenceLine = undefined;
  }
}
