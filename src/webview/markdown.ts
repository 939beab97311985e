import MarkdownIt from 'markdown-it';

/**
 * Agent output is untrusted text. Raw HTML is off, so `<script>` or `<img
 * onerror>` in an answer is shown as text. Only web and mail links are live:
 * `command:`, `vscode:`, `vscode-webview:`, `file:`, `javascript:`, relative
 * links and anything else render as the text they are, so nothing an agent
 * writes can run a VS Code command, open a local file or navigate the panel
 * with one click. The CSP is the second wall: no inline script can run even
 * if something slipped through.
 */
const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });

const LIVE_LINK = /^(https?:\/\/|mailto:)/i;

/** Whether a link (or image) URL may stay live; markdown-it calls it for links, images and linkified text. */
export function isLiveLink(url: string): boolean {
  return LIVE_LINK.test(url.trim());
}

md.validateLink = isLiveLink;

export function renderMarkdown(text: string): string {
  return md.render(text);
}
