/** What the list asks of the rows it draws. Rows are only ever added at the end. */
export interface RowSource {
  readonly count: number;
  /** A height guess for a row never drawn (or drawn at another width). */
  estimate(row: number): number;
  /** A fresh element for a row. */
  renderRow(row: number): HTMLElement;
}

/** Where the view is: a row and how far into it (px) the top of the viewport is. */
export interface ScrollAnchor {
  row: number;
  delta: number;
}

/**
 * What the list scrolls in: the window (the run panel) or an element with its
 * own scrollbar (a column of the compare panel).
 */
export interface Viewport {
  readonly scrollTop: number;
  readonly height: number;
  readonly scrollHeight: number;
  scrollTo(y: number): void;
  /** Where `el`'s top is, in the viewport's scrolled content. */
  topOf(el: HTMLElement): number;
  onScroll(listener: () => void): void;
  onResize(listener: () => void): void;
}

export const windowViewport: Viewport = {
  get scrollTop() {
    return window.scrollY;
  },
  get height() {
    return window.innerHeight;
  },
  get scrollHeight() {
    return document.documentElement.scrollHeight;
  },
  scrollTo: (y) => window.scrollTo(0, y),
  topOf: (el) => el.getBoundingClientRect().top + window.scrollY,
  onScroll: (l) => window.addEventListener('scroll', l, { passive: true }),
  onResize: (l) => window.addEventListener('resize', l),
};

export function elementViewport(el: HTMLElement): Viewport {
  return {
    get scrollTop() {
      return el.scrollTop;
    },
    get height() {
      return el.clientHeight;
    },
    get scrollHeight() {
      return el.scrollHeight;
    },
    scrollTo: (y) => el.scrollTo(0, y),
    topOf: (x) => x.getBoundingClientRect().top - el.getBoundingClientRect().top + el.scrollTop,
    onScroll: (l) => el.addEventListener('scroll', l, { passive: true }),
    onResize: (l) => new ResizeObserver(l).observe(el),
  };
}

const OVERSCAN_PX = 600;
const BOTTOM_SLACK_PX = 40;

/**
 * A scrolled list (the window's, or an element's) that keeps only the rows near the viewport in the
 * DOM. Heights are measured when rows are drawn (and when they resize) and
 * guessed before; the space of the rows not drawn is two spacers, so the
 * scrollbar spans the whole transcript. While the user is at the bottom the
 * list follows new rows; otherwise the row at the top of the viewport stays
 * exactly where it is, whatever rows above it turn out to measure.
 */
export class VirtualList {
  private heights = new Float64Array(256);
  private measured = new Uint8Array(256);
  private offsets = new Float64Array(257);
  private offsetsFor = -1; // row count the offsets were computed for; -1: stale
  private readonly rendered = new Map<number, HTMLElement>();
  private readonly dirty = new Set<number>();
  private readonly top = document.createElement('div');
  private readonly bottom = document.createElement('div');
  private readonly resize: ResizeObserver;
  private frameRequested = false;
  private readonly drawnListeners: Array<() => void> = [];
  private target: (ScrollAnchor & { then?: (el: HTMLElement) => void }) | undefined;
  private programmaticY: number | undefined;
  private lastWidth = 0;
  /** Whether the view follows the end of the transcript. */
  stick = true;

  constructor(
    private readonly container: HTMLElement,
    private readonly source: RowSource,
    private readonly view: Viewport = windowViewport,
  ) {
    this.top.className = 'spacer';
    this.bottom.className = 'spacer';
    container.append(this.top, this.bottom);
    this.resize = new ResizeObserver(() => this.schedule());
    view.onScroll(() => this.onScroll());
    view.onResize(() => {
      if (this.container.clientWidth !== this.lastWidth) this.measured.fill(0);
      this.schedule();
    });
  }

  /** Rows changed (`dirty`) or were added: redraw on the next frame. */
  update(dirty: Iterable<number> = []): void {
    for (const i of dirty) {
      this.dirty.add(i);
      this.measured[i] = 0;
    }
    this.offsetsFor = -1;
    this.schedule();
  }

  /** Forgets every row (another run). */
  clear(): void {
    for (const el of this.rendered.values()) el.remove();
    this.rendered.clear();
    this.dirty.clear();
    this.heights.fill(0);
    this.measured.fill(0);
    this.offsetsFor = -1;
    this.stick = true;
    this.target = undefined;
    this.schedule();
  }

  /** Brings a row into view (`delta` px of it above the viewport's top; negative: space above it), then calls `then` with its element. */
  scrollTo(anchor: ScrollAnchor, then?: (el: HTMLElement) => void): void {
    this.target = { ...anchor, then };
    this.stick = false;
    this.schedule();
  }

  /** Follows the end again (the End key, or after a restore that asked for it). */
  scrollToEnd(): void {
    this.stick = true;
    this.target = undefined;
    this.schedule();
  }

  /** Where the view is now, to be restored later; undefined while it follows the end. */
  anchor(): ScrollAnchor | undefined {
    if (this.stick || !this.source.count) return undefined;
    return this.anchorAt(this.view.scrollTop - this.containerTop());
  }

  /** The element of a drawn row. */
  element(row: number): HTMLElement | undefined {
    return this.rendered.get(row);
  }

  /** Called after each frame that drew (the DOM holds what the model had when it began). */
  onDrawn(listener: () => void): void {
    this.drawnListeners.push(listener);
  }

  /** How many rows are in the DOM (for tests and benchmarks). */
  get drawnRows(): number {
    return this.rendered.size;
  }

  private schedule(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => this.frame());
  }

  private onScroll(): void {
    if (this.programmaticY !== undefined && Math.abs(this.view.scrollTop - this.programmaticY) < 2) return;
    this.programmaticY = undefined;
    this.stick = this.view.height + this.view.scrollTop >= this.view.scrollHeight - BOTTOM_SLACK_PX;
    this.schedule();
  }

  private frame(): void {
    this.frameRequested = false;
    const n = this.source.count;
    this.grow(n);
    this.lastWidth = this.container.clientWidth;
    const containerTop = this.containerTop();
    const viewH = this.view.height;
    let anchor: ScrollAnchor | undefined;
    let then: ((el: HTMLElement) => void) | undefined;
    if (this.target && this.target.row < n) {
      anchor = { row: this.target.row, delta: this.target.delta };
      then = this.target.then;
      this.target = undefined;
    } else if (!this.stick && n) {
      anchor = this.anchorAt(this.view.scrollTop - containerTop);
    }
    // Draw, measure, and draw again while measuring moved things (at most a few passes).
    for (let pass = 0; pass < 4; pass++) {
      const offsets = this.offsetsNow(n);
      const total = offsets[n];
      const viewTop = this.stick ? Math.max(0, total - viewH) : anchor ? offsets[anchor.row] + anchor.delta : this.view.scrollTop - containerTop;
      const first = n ? this.indexAt(viewTop - OVERSCAN_PX, n) : 0;
      const last = n ? this.indexAt(viewTop + viewH + OVERSCAN_PX, n) : -1;
      this.reconcile(first, last);
      if (!this.measure()) break;
    }
    const offsets = this.offsetsNow(n);
    const first = Math.min(...this.rendered.keys(), n);
    const last = Math.max(...this.rendered.keys(), -1);
    this.top.style.height = `${offsets[first]}px`;
    this.bottom.style.height = `${offsets[n] - offsets[last + 1]}px`;
    if (this.stick) this.scrollWindow(this.view.scrollHeight);
    else if (anchor) this.scrollWindow(containerTop + offsets[anchor.row] + anchor.delta);
    const el = anchor && then ? this.rendered.get(anchor.row) : undefined;
    if (el && then) then(el);
    for (const l of this.drawnListeners) l();
  }

  private scrollWindow(y: number): void {
    const max = this.view.scrollHeight - this.view.height;
    const target = Math.max(0, Math.min(y, max));
    if (Math.abs(this.view.scrollTop - target) < 0.5) return;
    this.programmaticY = target;
    this.view.scrollTo(target);
  }

  /** Keeps exactly rows first..last in the DOM, in order, redrawing dirty ones. */
  private reconcile(first: number, last: number): void {
    for (const [i, el] of this.rendered) {
      if (i < first || i > last) {
        this.resize.unobserve(el);
        el.remove();
        this.rendered.delete(i);
      }
    }
    for (let i = last; i >= first; i--) {
      const old = this.rendered.get(i);
      if (old && !this.dirty.has(i)) continue;
      const el = this.source.renderRow(i);
      el.dataset.row = String(i);
      if (old) {
        this.resize.unobserve(old);
        old.replaceWith(el);
      } else {
        this.container.insertBefore(el, this.rendered.get(i + 1) ?? this.bottom);
      }
      this.rendered.set(i, el);
      this.resize.observe(el);
      this.dirty.delete(i);
    }
  }

  /** Measures the drawn rows; returns whether any height changed. */
  private measure(): boolean {
    let changed = false;
    for (const [i, el] of this.rendered) {
      const h = el.getBoundingClientRect().height;
      if (!this.measured[i] || Math.abs(h - this.heights[i]) > 0.5) {
        changed ||= Math.abs(h - this.heights[i]) > 0.5;
        this.heights[i] = h;
        this.measured[i] = 1;
      }
    }
    if (changed) this.offsetsFor = -1;
    return changed;
  }

  private offsetsNow(n: number): Float64Array {
    if (this.offsetsFor !== n) {
      for (let i = 0; i < n; i++) {
        // A row never measured is guessed; measured rows keep their height until they are drawn again.
        if (!this.measured[i] && this.heights[i] === 0) this.heights[i] = this.source.estimate(i);
        this.offsets[i + 1] = this.offsets[i] + this.heights[i];
      }
      this.offsetsFor = n;
    }
    return this.offsets;
  }

  private anchorAt(viewTop: number): ScrollAnchor {
    const n = this.source.count;
    const offsets = this.offsetsNow(n);
    const row = this.indexAt(viewTop, n);
    return { row, delta: viewTop - offsets[row] };
  }

  /** The row at offset y (the last row whose top is at or above y). */
  private indexAt(y: number, n: number): number {
    const offsets = this.offsetsNow(n);
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (offsets[mid] <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private containerTop(): number {
    return this.view.topOf(this.container);
  }

  private grow(n: number): void {
    if (n < this.heights.length) return;
    let size = this.heights.length;
    while (size <= n) size *= 2;
    const h = new Float64Array(size);
    h.set(this.heights);
    const m = new Uint8Array(size);
    m.set(this.measured);
    this.heights = h;
    this.measured = m;
    this.offsets = new Float64Array(size + 1);
    this.offsetsFor = -1;
  }
}
