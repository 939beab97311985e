/** Columns aligned with two spaces between them, for terminals and logs (every cell is plain text). */
export function textTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((v, i) => (i === cells.length - 1 ? v : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [head, ...rows].map(line).join('\n');
}
