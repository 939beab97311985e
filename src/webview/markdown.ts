import MarkdownIt from 'markdown-it';

/**
 * Agent output is untrusted text. Raw HTML is off, so `<script>` or `<img
 * onerror>` in an answer is shown as text; markdown-it's link validation drops
 * `javascript:`, `vbscript:`, `file:` and non-image `data:` URLs. The CSP is the
 * second wall: no inline script can run even if something slipped through.
 */
const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });

export function renderMarkdown(text: string): string {
  return md.render(text);
}
