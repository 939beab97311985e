import { chunkSource, settle } from '../shared/textChunks';
import { itemText, stringify, toolSummary, type TextItem, type Transcript, type TranscriptItem } from '../shared/transcript';
import { renderMarkdown } from './markdown';
import { VirtualList, type RowSource, type ScrollAnchor, type Viewport } from './virtualList';

/** A drawable row: one chunk of a text or thinking item, or a whole other item. */
interface Row {
  item: number;
  chunk: number;
}

/** Tool output is shown up to this much; the full text stays in the model (search, copy). */
const TOOL_SHOWN_CHARS = 64 * 1024;
const LINE_PX = 19.5;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function shown(text: string): string {
  return text.length > TOOL_SHOWN_CHARS ? `${text.slice(0, TOOL_SHOWN_CHARS)}\n… ${Math.round((text.length - TOOL_SHOWN_CHARS) / 1024)} KB more` : text;
}

/**
 * The transcript as rows in a virtual list: only the rows near the viewport
 * are in the DOM, however long the run. Text is drawn chunk by chunk
 * (textChunks.ts); closed chunks never change, so only the last one is
 * redrawn while an answer streams.
 */
export class TranscriptView implements RowSource {
  private readonly rows: Row[] = [];
  /** Rows per item so far, and each item's first row. */
  private readonly rowCount: number[] = [];
  private readonly firstRow: number[] = [];
  private readonly list: VirtualList;
  /** Tool calls and thinking blocks the user opened. */
  private readonly open = new Set<number>();
  private t: Transcript = { items: [] };
  private widthChars = 80;

  constructor(
    private readonly container: HTMLElement,
    viewport?: Viewport,
  ) {
    this.list = new VirtualList(container, this, viewport);
    container.addEventListener('toggle', (e) => this.onToggle(e), true);
    container.addEventListener('click', (e) => this.onClick(e));
  }

  get count(): number {
    return this.rows.length;
  }

  get virtualList(): VirtualList {
    return this.list;
  }

  /** Takes in what changed in the model: `dirty` item indices (new items are found by themselves). */
  sync(t: Transcript, dirty: Iterable<number>): void {
    this.t = t;
    const changed: number[] = [];
    const first = this.rowCount.length ? this.rowCount.length - 1 : 0;
    const dirtyItems = new Set(dirty);
    for (let i = first; i < t.items.length; i++) dirtyItems.add(i);
    // In item order: rows are appended, and one event can add two items (a turn's footer and the next turn).
    for (const i of [...dirtyItems].sort((a, b) => a - b)) {
      const item = t.items[i];
      if (!item) continue;
      const before = this.rowCount[i] ?? 0;
      if (item.kind === 'text' || item.kind === 'thinking') settle(item.body);
      const now = item.kind === 'text' || item.kind === 'thinking' ? item.body.chunks.length : 1;
      if (before === 0) this.firstRow[i] = this.rows.length;
      for (let k = before; k < now; k++) this.rows.push({ item: i, chunk: k });
      this.rowCount[i] = now;
      // The chunk that was open may have been closed shorter; it and the new ones are redrawn.
      for (let k = Math.max(0, before - 1); k < now; k++) changed.push(this.firstRow[i] + k);
    }
    this.widthChars = Math.max(20, Math.floor((this.container.clientWidth || 640) / 7.5));
    this.list.update(changed);
  }

  clear(): void {
    this.rows.length = 0;
    this.rowCount.length = 0;
    this.firstRow.length = 0;
    this.open.clear();
    this.list.clear();
  }

  /** The text a row holds, for search (what it shows, in the model's words). */
  rowText(row: number): string {
    const r = this.rows[row];
    const item = this.t.items[r.item];
    if (item.kind === 'text' || item.kind === 'thinking') return item.body.chunks[r.chunk]?.text ?? '';
    return itemText(item);
  }

  /** Opens the row's tool call or thinking block (a search match inside it), then shows it. */
  reveal(row: number, then: (el: HTMLElement) => void): void {
    const r = this.rows[row];
    const item = this.t.items[r.item];
    if ((item.kind === 'tool' || item.kind === 'thinking') && !this.open.has(r.item)) {
      this.open.add(r.item);
      this.list.update(this.rowsOf(r.item));
    }
    this.list.scrollTo({ row, delta: -Math.round(window.innerHeight / 3) }, then);
  }

  anchor(): ScrollAnchor | undefined {
    return this.list.anchor();
  }

  restore(anchor: ScrollAnchor | undefined): void {
    if (anchor) this.list.scrollTo(anchor);
  }

  estimate(row: number): number {
    const r = this.rows[row];
    const item = this.t.items[r.item];
    switch (item.kind) {
      case 'text':
      case 'thinking': {
        if (item.kind === 'thinking' && !this.open.has(r.item)) return r.chunk === 0 ? 36 : 0;
        const text = item.body.chunks[r.chunk]?.text ?? '';
        let lines = 0;
        for (let pos = 0; pos < text.length; ) {
          let nl = text.indexOf('\n', pos);
          if (nl === -1) nl = text.length;
          lines += 1 + Math.floor((nl - pos) / this.widthChars);
          pos = nl + 1;
        }
        return lines * LINE_PX + 8;
      }
      case 'tool':
        return this.open.has(r.item) ? 240 : 38;
      default:
        return 34;
    }
  }

  /** RowSource.render: a fresh element for a row. */
  renderRow(row: number): HTMLElement {
    const r = this.rows[row];
    const item = this.t.items[r.item];
    const node = el('div', 'row');
    switch (item.kind) {
      case 'text':
        node.classList.add('markdown');
        this.fillText(node, item, r.chunk);
        return node;
      case 'thinking': {
        node.classList.add('thinking');
        const open = this.open.has(r.item);
        if (r.chunk === 0) {
          const toggle = el('button', 'thinking-toggle', open ? '▾ Thinking' : '▸ Thinking');
          toggle.type = 'button';
          toggle.dataset.item = String(r.item);
          toggle.setAttribute('aria-expanded', String(open));
          node.append(toggle);
        }
        if (open) {
          const body = el('div', 'markdown');
          this.fillText(body, item, r.chunk);
          node.append(body);
        } else if (r.chunk > 0) node.hidden = true;
        return node;
      }
      case 'tool': {
        const details = el('details', 'tool');
        details.dataset.item = String(r.item);
        details.open = this.open.has(r.item);
        const summary = el('summary');
        const state = item.result ? (item.result.isError ? 'error' : 'ok') : 'running';
        summary.append(el('span', `tool-state ${state}`, state === 'running' ? '⋯' : state === 'ok' ? '✓' : '✗'), el('span', 'tool-name', toolSummary(item.name, item.input)));
        details.append(summary);
        // The body only exists while open: a closed call costs three nodes.
        if (details.open) {
          const body = el('div', 'tool-body');
          body.append(el('div', 'label', 'Input'), el('pre', 'tool-input', shown(stringify(item.input))));
          if (item.result) body.append(el('div', 'label', item.result.isError ? 'Error' : 'Result'), el('pre', 'tool-result', shown(item.result.output)));
          details.append(body);
        }
        node.append(details);
        return node;
      }
      case 'turn': {
        // The user's words are text, never markup.
        const turn = el('div', 'turn');
        turn.append(el('div', 'turn-label', `You · turn ${item.turn}`), el('div', 'turn-prompt', item.prompt));
        if (item.note) turn.append(el('div', 'notice', item.note));
        node.append(turn);
        return node;
      }
      case 'footer': {
        const f = el('div', 'turn-footer', [item.status, item.duration, item.tokens, item.cost, item.cache].filter(Boolean).join(' · '));
        f.dataset.status = item.status;
        node.append(f);
        return node;
      }
      case 'notice':
        node.append(el('div', 'notice', item.message));
        return node;
      case 'error': {
        const e = el('div', 'error', item.message);
        e.setAttribute('role', 'alert');
        node.append(e);
        return node;
      }
    }
  }

  private fillText(node: HTMLElement, item: TextItem, chunk: number): void {
    const c = item.body.chunks[chunk];
    if (!c) return;
    if (c.fence) node.classList.add('continues-code');
    node.innerHTML = renderMarkdown(chunkSource(c));
  }

  private onToggle(e: Event): void {
    const d = e.target;
    if (!(d instanceof HTMLDetailsElement) || !d.dataset.item) return;
    const item = Number(d.dataset.item);
    if (d.open === this.open.has(item)) return;
    if (d.open) this.open.add(item);
    else this.open.delete(item);
    this.list.update(this.rowsOf(item));
  }

  private onClick(e: MouseEvent): void {
    const b = (e.target as HTMLElement).closest?.('button.thinking-toggle') as HTMLButtonElement | null;
    if (!b?.dataset.item) return;
    const item = Number(b.dataset.item);
    if (this.open.has(item)) this.open.delete(item);
    else this.open.add(item);
    this.list.update(this.rowsOf(item));
  }

  private rowsOf(item: number): number[] {
    return Array.from({ length: this.rowCount[item] ?? 0 }, (_, k) => this.firstRow[item] + k);
  }
}

export type { TranscriptItem };
