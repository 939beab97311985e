import type { TranscriptView } from './transcriptView';

/** At most this many matches are listed (the counter says "10000+"). */
const MAX_MATCHES = 10_000;

interface Match {
  row: number;
  /** Which occurrence in the row's text. */
  nth: number;
}

/** The Custom Highlight API, where the browser has it (Chromium 105+, so every VS Code). */
interface HighlightRegistry {
  set(name: string, value: unknown): void;
  delete(name: string): void;
}
const highlights = (globalThis as { CSS?: { highlights?: HighlightRegistry } }).CSS?.highlights;
const HighlightCtor = (globalThis as { Highlight?: new (...ranges: Range[]) => unknown }).Highlight;

/**
 * Find in the whole transcript (Ctrl+F / Cmd+F), also in the rows that are
 * not drawn: it searches the model, then scrolls to a match's row, draws it,
 * and highlights the match there. Enter and Shift+Enter (F3, Shift+F3) go to
 * the next and previous match; Escape closes.
 */
export class FindBar {
  private matches: Match[] = [];
  private current = -1;
  private query = '';
  private stale = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly view: TranscriptView,
    private readonly bar: HTMLElement,
    private readonly input: HTMLInputElement,
    private readonly counter: HTMLElement,
  ) {
    input.addEventListener('input', () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.search(true), 120);
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === 'F3') {
        e.preventDefault();
        this.step(e.shiftKey ? -1 : 1);
      } else if (e.key === 'Escape') {
        e.preventDefault();
        this.close();
      }
    });
    bar.querySelector('#find-prev')?.addEventListener('click', () => this.step(-1));
    bar.querySelector('#find-next')?.addEventListener('click', () => this.step(1));
    bar.querySelector('#find-close')?.addEventListener('click', () => this.close());
    document.addEventListener('keydown', (e) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'f') {
        e.preventDefault();
        this.open();
      } else if (e.key === 'F3' && !this.bar.hidden) {
        e.preventDefault();
        this.step(e.shiftKey ? -1 : 1);
      }
    });
  }

  get isOpen(): boolean {
    return !this.bar.hidden;
  }

  open(): void {
    this.bar.hidden = false;
    this.input.focus();
    this.input.select();
    if (this.input.value) this.search(true);
  }

  close(): void {
    this.bar.hidden = true;
    highlights?.delete('relay-find');
    this.matches = [];
    this.current = -1;
    this.counter.textContent = '';
  }

  /** The transcript changed: the next step searches again. */
  invalidate(): void {
    if (this.isOpen && this.query) this.stale = true;
  }

  private search(jump: boolean): void {
    this.stale = false;
    this.query = this.input.value.toLowerCase();
    const matches: Match[] = [];
    if (this.query) {
      for (let row = 0; row < this.view.count && matches.length < MAX_MATCHES; row++) {
        const text = this.view.rowText(row).toLowerCase();
        for (let i = text.indexOf(this.query), nth = 0; i !== -1 && matches.length < MAX_MATCHES; i = text.indexOf(this.query, i + this.query.length), nth++) matches.push({ row, nth });
      }
    }
    const at = this.matches[this.current];
    this.matches = matches;
    // Start from where the view is (or where the last match was).
    const from = at?.row ?? this.view.anchor()?.row ?? 0;
    this.current = matches.length ? Math.max(0, matches.findIndex((m) => m.row >= from)) : -1;
    if (this.current === -1 && matches.length) this.current = 0;
    this.showCount();
    if (jump && this.current >= 0) this.go();
    else if (!matches.length) highlights?.delete('relay-find');
  }

  private step(by: number): void {
    if (this.stale || this.input.value.toLowerCase() !== this.query) {
      this.search(false);
      if (this.current < 0) return;
      if (by < 0) this.current = (this.current - 1 + this.matches.length) % this.matches.length;
      this.go();
      return;
    }
    if (!this.matches.length) return;
    this.current = (this.current + by + this.matches.length) % this.matches.length;
    this.go();
  }

  private showCount(): void {
    const n = this.matches.length;
    this.counter.textContent = !this.query ? '' : n === 0 ? 'No results' : `${this.current + 1} of ${n >= MAX_MATCHES ? `${MAX_MATCHES}+` : n}`;
    this.bar.dataset.matches = String(n);
  }

  private go(): void {
    const m = this.matches[this.current];
    this.showCount();
    this.view.reveal(m.row, (el) => this.highlight(el, m.nth));
  }

  /** Highlights the nth occurrence in the drawn row (or its last one, if drawing changed the count) and brings it into view. */
  private highlight(el: HTMLElement, nth: number): void {
    const nodes: Text[] = [];
    const starts: number[] = [];
    let text = '';
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      nodes.push(n as Text);
      starts.push(text.length);
      text += (n as Text).data;
    }
    const lower = text.toLowerCase();
    let at = -1;
    for (let i = lower.indexOf(this.query), k = 0; i !== -1; i = lower.indexOf(this.query, i + this.query.length), k++) {
      at = i;
      if (k === nth) break;
    }
    if (at === -1) return;
    const range = document.createRange();
    const place = (offset: number, edge: 'start' | 'end') => {
      let i = starts.length - 1;
      while (i > 0 && starts[i] > offset - (edge === 'end' ? 1 : 0)) i--;
      const node = nodes[i];
      if (edge === 'start') range.setStart(node, Math.min(node.data.length, offset - starts[i]));
      else range.setEnd(node, Math.min(node.data.length, offset - starts[i]));
    };
    place(at, 'start');
    place(at + this.query.length, 'end');
    if (highlights && HighlightCtor) highlights.set('relay-find', new HighlightCtor(range));
    const rect = range.getBoundingClientRect();
    if (rect.top < this.bar.getBoundingClientRect().bottom + 8 || rect.bottom > window.innerHeight - 60) window.scrollBy(0, rect.top - window.innerHeight / 3);
  }
}
