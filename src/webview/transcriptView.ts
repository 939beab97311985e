import { stableBoundary } from '../shared/markdownBlocks';
import { toolSummary, type Transcript, type TranscriptItem } from '../shared/transcript';
import { renderMarkdown } from './markdown';

/** Incremental markdown for one text item: a stable prefix rendered once, a tail redrawn. */
class TextBlock {
  readonly el = document.createElement('div');
  private readonly stable = document.createElement('div');
  private readonly tail = document.createElement('div');
  private committed = 0;

  constructor(className: string) {
    this.el.className = className;
    this.el.append(this.stable, this.tail);
  }

  update(text: string): void {
    const boundary = stableBoundary(text, this.committed);
    if (boundary > this.committed) {
      this.stable.insertAdjacentHTML('beforeend', renderMarkdown(text.slice(this.committed, boundary)));
      this.committed = boundary;
    }
    this.tail.innerHTML = renderMarkdown(text.slice(this.committed));
  }
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function stringify(value: unknown): string {
  if (value === undefined) return '';
  try {
    return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

/**
 * Draws transcript items into a container, touching only items marked dirty.
 * Tool calls are collapsed `<details>` with the input and, once it arrives, the result.
 */
export class TranscriptView {
  private readonly nodes: Array<{ el: HTMLElement; text?: TextBlock }> = [];

  constructor(private readonly container: HTMLElement) {}

  /** Redraws the given item indices (and creates any items not drawn yet). */
  render(t: Transcript, dirty: Iterable<number>): void {
    for (let i = this.nodes.length; i < t.items.length; i++) {
      const node = this.create(t.items[i]);
      this.nodes.push(node);
      this.container.append(node.el);
      this.fill(i, t.items[i]);
    }
    for (const i of dirty) if (i >= 0 && i < this.nodes.length) this.fill(i, t.items[i]);
  }

  clear(): void {
    this.nodes.length = 0;
    this.container.replaceChildren();
  }

  private create(item: TranscriptItem): { el: HTMLElement; text?: TextBlock } {
    switch (item.kind) {
      case 'text': {
        const block = new TextBlock('text markdown');
        return { el: block.el, text: block };
      }
      case 'thinking': {
        const details = el('details', 'thinking');
        details.append(el('summary', undefined, 'Thinking'));
        const block = new TextBlock('markdown');
        details.append(block.el);
        return { el: details, text: block };
      }
      case 'tool': {
        const details = el('details', 'tool');
        details.dataset.toolId = item.id;
        return { el: details };
      }
      case 'notice':
        return { el: el('div', 'notice') };
      case 'error':
        return { el: el('div', 'error') };
    }
  }

  private fill(i: number, item: TranscriptItem): void {
    const node = this.nodes[i];
    switch (item.kind) {
      case 'text':
      case 'thinking':
        node.text!.update(item.text);
        return;
      case 'notice':
        node.el.textContent = item.message;
        return;
      case 'error':
        node.el.textContent = item.message;
        node.el.setAttribute('role', 'alert');
        return;
      case 'tool': {
        const open = (node.el as HTMLDetailsElement).open;
        const summary = el('summary');
        const state = item.result ? (item.result.isError ? 'error' : 'ok') : 'running';
        summary.append(el('span', `tool-state ${state}`, state === 'running' ? '⋯' : state === 'ok' ? '✓' : '✗'), el('span', 'tool-name', toolSummary(item.name, item.input)));
        const body = el('div', 'tool-body');
        body.append(el('div', 'label', 'Input'), el('pre', 'tool-input', stringify(item.input)));
        if (item.result) body.append(el('div', 'label', item.result.isError ? 'Error' : 'Result'), el('pre', 'tool-result', item.result.output));
        node.el.replaceChildren(summary, body);
        (node.el as HTMLDetailsElement).open = open;
        return;
      }
    }
  }
}
