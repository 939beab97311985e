/**
 * Where a growing markdown text can be cut so the part before it never needs
 * re-rendering: at the start of a complete, unindented line that follows a blank
 * line outside any fenced code block (a new top-level block). The webview renders
 * the stable prefix once and re-renders only the tail on each frame, so a huge
 * answer costs O(new text) per frame, not O(all text).
 *
 * `from` must itself be a boundary (0 is). Returns the furthest boundary ≥ from.
 */
export function stableBoundary(text: string, from: number): number {
  let boundary = from;
  let fence: string | undefined;
  let prevBlank = false;
  let pos = from;
  for (let nl = text.indexOf('\n', pos); nl !== -1; pos = nl + 1, nl = text.indexOf('\n', pos)) {
    const line = text.slice(pos, nl);
    const blank = line.trim() === '';
    if (!fence && prevBlank && !blank && !/^[ \t]/.test(line)) boundary = pos;
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && !fence) fence = marker;
    else if (marker && fence && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
    prevBlank = !fence && blank;
  }
  return boundary;
}
