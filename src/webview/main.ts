import { assertNever, type HostToWebview, type PanelSeqEvent, type PanelState, type RunInfo, type WebviewToHost } from '../shared/protocol';
import { applyEvent, emptyTranscript, formatCacheBadge, formatFooter, formatQueued, type Transcript } from '../shared/transcript';
import { FindBar } from './findBar';
import { TranscriptView } from './transcriptView';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): PanelState | undefined;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const $ = (id: string) => document.getElementById(id)!;
const view = new TranscriptView($('transcript'));
const find = new FindBar(view, $('find'), $('find-input') as HTMLInputElement, $('find-count'));
const cancelButton = $('cancel') as HTMLButtonElement;
const rerunButton = $('rerun') as HTMLButtonElement;
const copyButton = $('copy') as HTMLButtonElement;
const replyForm = $('reply-form') as HTMLFormElement;
const replyBox = $('reply') as HTMLTextAreaElement;
const sendButton = $('send') as HTMLButtonElement;
/** A follow-up was sent and its turn has not begun yet (or was refused). */
let replySent = false;
let replyError = '';

// A restored panel (hidden and shown again, or after a reload) keeps only which
// run it shows and where it was scrolled to: the host sends the events again,
// from the run or from the history, so the saved state stays a few hundred bytes.
const saved = vscode.getState();
let run: RunInfo | undefined = saved?.run;
let runId: string | undefined = saved?.runId ?? (document.body.dataset.runId || undefined);
let lastSeq = 0;
/** The last seq the host was told this panel drew. */
let ackedSeq = 0;
let transcript: Transcript = emptyTranscript();
let unavailable = false;
if (saved?.anchor) view.restore(saved.anchor);
// Saved at once, so that a reload right after the panel opened still knows its run.
else if (runId) vscode.setState({ runId });

let chromeRequested = false;
let saveTimer: ReturnType<typeof setTimeout> | undefined;

function scheduleChrome(): void {
  if (chromeRequested) return;
  chromeRequested = true;
  requestAnimationFrame(() => {
    chromeRequested = false;
    drawChrome();
  });
}

function drawChrome(): void {
  $('agent').textContent = run ? run.agentName : '';
  $('prompt').textContent = run ? run.prompt : '';
  $('context').textContent = run?.context ? `+ ${run.context}` : '';
  $('cache').textContent = formatCacheBadge(transcript);
  $('model').textContent = [transcript.model, transcript.agentVersion && `v${transcript.agentVersion}`].filter(Boolean).join(' · ');
  const queued = run?.state === 'queued' && !transcript.outcome;
  const f = formatFooter(transcript, Date.now(), run?.startedAt ?? Date.now());
  const status = unavailable && !transcript.outcome ? 'No longer in the run history' : queued ? formatQueued(run?.queuePosition) : f.status;
  $('status').textContent = status;
  $('status').dataset.state = transcript.outcome?.status ?? (unavailable ? 'unavailable' : queued ? 'queued' : 'running');
  $('duration').textContent = queued ? '' : f.duration;
  $('tokens').textContent = f.tokens;
  $('cost').textContent = f.cost;
  cancelButton.hidden = Boolean(transcript.outcome) || unavailable;
  rerunButton.hidden = !(transcript.outcome?.fromCache && run?.canRerun) || unavailable;
  copyButton.disabled = !transcript.items.some((i) => i.kind === 'text');
  drawReply();
}

/** The reply box: there once the run can be followed up at all, usable while no turn runs. */
function drawReply(): void {
  const reply = run?.reply;
  replyForm.hidden = !reply || unavailable;
  if (!reply) return;
  const usable = reply.enabled && !replySent && Boolean(transcript.outcome);
  replyBox.disabled = !usable;
  sendButton.disabled = !usable;
  $('reply-note').textContent = replyError || (replySent ? 'Sending…' : transcript.outcome ? (reply.reason ?? '') : '');
}

function sendReply(): void {
  const text = replyBox.value;
  if (!runId || replyBox.disabled || !text.trim()) return;
  replySent = true;
  replyError = '';
  vscode.postMessage({ type: 'reply', runId, text });
  drawReply();
}

/** The saved state is small, but not written on every frame. */
function scheduleSave(): void {
  if (saveTimer !== undefined) return;
  saveTimer = setTimeout(() => {
    saveTimer = undefined;
    if (runId) vscode.setState({ runId, run, anchor: view.anchor() });
  }, 250);
}

function onEvents(events: PanelSeqEvent[]): void {
  const dirty = new Set<number>();
  for (const e of events) {
    if (e.seq <= lastSeq) continue; // already have it (a replay overlapping the live stream)
    if (e.seq !== lastSeq + 1) {
      // A gap: something was posted while we could not receive it. Ask again.
      vscode.postMessage({ type: 'ready', runId, afterSeq: lastSeq });
      break;
    }
    lastSeq = e.seq;
    if (e.event.type === 'turn') newTurn();
    dirty.add(applyEvent(transcript, e.event));
  }
  dirty.delete(-1);
  view.sync(transcript, dirty);
  find.invalidate();
  scheduleChrome();
  scheduleSave();
}

window.addEventListener('message', (msg: MessageEvent<HostToWebview>) => {
  const data = msg.data;
  switch (data.type) {
    case 'attach':
      if (run && data.run.runId !== run.runId) {
        transcript = emptyTranscript();
        lastSeq = 0;
        ackedSeq = 0;
        view.clear();
      }
      run = data.run;
      runId = data.run.runId;
      scheduleChrome();
      scheduleSave();
      return;
    case 'state':
      if (data.run.runId === runId) {
        run = data.run;
        scheduleChrome();
      }
      return;
    case 'events':
      if (data.runId === runId) onEvents(data.events);
      return;
    case 'replyRefused':
      if (data.runId === runId) {
        replySent = false;
        replyError = data.message;
        drawReply();
        replyBox.focus();
      }
      return;
    case 'group':
    case 'performance':
      return; // the compare panel's and the performance view's
    case 'runUnavailable':
      unavailable = true;
      scheduleChrome();
      return;
    default:
      assertNever(data);
  }
});

// After a frame drew new events: one small ack, which the host turns into forwarding latency.
view.virtualList.onDrawn(() => {
  if (!runId || lastSeq <= ackedSeq) return;
  ackedSeq = lastSeq;
  vscode.postMessage({ type: 'drawn', runId, seq: lastSeq, at: performance.timeOrigin + performance.now() });
});

window.addEventListener('scroll', scheduleSave, { passive: true });
document.addEventListener('keydown', (e) => {
  // End (outside the find box) follows the end of the transcript again.
  if (e.key === 'End' && (e.ctrlKey || e.metaKey || !(e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement))) view.virtualList.scrollToEnd();
});

cancelButton.addEventListener('click', () => {
  if (runId) vscode.postMessage({ type: 'cancel', runId });
  cancelButton.disabled = true;
  cancelButton.textContent = 'Cancelling…';
});

rerunButton.addEventListener('click', () => {
  // One click, one billed run: the button stays disabled (the host also ignores repeats).
  if (rerunButton.disabled || !runId) return;
  rerunButton.disabled = true;
  vscode.postMessage({ type: 'rerunWithoutCache', runId });
});

// The whole answer, also the parts not drawn: the host copies it from the run's events with VS Code's
// clipboard, which works the same on the desktop, in a browser and over a remote connection.
copyButton.addEventListener('click', () => {
  if (!runId) return;
  vscode.postMessage({ type: 'copyAnswer', runId });
  copyButton.textContent = 'Copied';
  setTimeout(() => (copyButton.textContent = 'Copy Answer'), 1500);
});

$('find-open').addEventListener('click', () => find.open());

/** A follow-up's turn began: the box is emptied, and Cancel stops this turn. */
function newTurn(): void {
  if (replySent) replyBox.value = '';
  replySent = false;
  replyError = '';
  cancelButton.disabled = false;
  cancelButton.textContent = 'Cancel';
}

replyForm.addEventListener('submit', (e) => {
  e.preventDefault();
  sendReply();
});
replyBox.addEventListener('keydown', (e) => {
  // Enter sends; Shift+Enter is a new line; an IME composition's Enter is the IME's.
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    sendReply();
  }
});

// The footer's clock ticks while the run is live.
setInterval(() => !transcript.outcome && !unavailable && run?.state === 'running' && drawChrome(), 1000);

drawChrome();
vscode.postMessage({ type: 'ready', runId, afterSeq: 0 });
