import { assertNever, type HostToWebview, type PanelState, type RunInfo, type WebviewToHost } from '../shared/protocol';
import { applyEvent, emptyTranscript, formatCacheBadge, formatFooter, formatQueued, type Transcript } from '../shared/transcript';
import type { SeqEvent } from '../core/agents/events';
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

// A restored panel (hidden and shown again, or after a reload) keeps only which
// run it shows and where it was scrolled to: the host sends the events again,
// from the run or from the history, so the saved state stays a few hundred bytes.
const saved = vscode.getState();
let run: RunInfo | undefined = saved?.run;
let runId: string | undefined = saved?.runId ?? (document.body.dataset.runId || undefined);
let lastSeq = 0;
let transcript: Transcript = emptyTranscript();
let unavailable = false;
if (saved?.anchor) view.restore(saved.anchor);

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
  const status = unavailable && !transcript.outcome ? 'Ended when the window reloaded' : queued ? formatQueued(run?.queuePosition) : f.status;
  $('status').textContent = status;
  $('status').dataset.state = transcript.outcome?.status ?? (unavailable ? 'unavailable' : queued ? 'queued' : 'running');
  $('duration').textContent = queued ? '' : f.duration;
  $('tokens').textContent = f.tokens;
  $('cost').textContent = f.cost;
  cancelButton.hidden = Boolean(transcript.outcome) || unavailable;
  rerunButton.hidden = !(transcript.outcome?.fromCache && run?.canRerun) || unavailable;
  copyButton.disabled = !transcript.items.some((i) => i.kind === 'text');
}

/** The saved state is small, but not written on every frame. */
function scheduleSave(): void {
  if (saveTimer !== undefined) return;
  saveTimer = setTimeout(() => {
    saveTimer = undefined;
    if (runId) vscode.setState({ runId, run, anchor: view.anchor() });
  }, 250);
}

function onEvents(events: SeqEvent[]): void {
  const dirty = new Set<number>();
  for (const e of events) {
    if (e.seq <= lastSeq) continue; // already have it (a replay overlapping the live stream)
    if (e.seq !== lastSeq + 1) {
      // A gap: something was posted while we could not receive it. Ask again.
      vscode.postMessage({ type: 'ready', runId, afterSeq: lastSeq });
      break;
    }
    lastSeq = e.seq;
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
    case 'runUnavailable':
      unavailable = true;
      scheduleChrome();
      return;
    default:
      assertNever(data);
  }
});

window.addEventListener('scroll', scheduleSave, { passive: true });
document.addEventListener('keydown', (e) => {
  // End (outside the find box) follows the end of the transcript again.
  if (e.key === 'End' && (e.ctrlKey || e.metaKey || !(e.target instanceof HTMLInputElement))) view.virtualList.scrollToEnd();
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

// The footer's clock ticks while the run is live.
setInterval(() => !transcript.outcome && !unavailable && run?.state === 'running' && drawChrome(), 1000);

drawChrome();
vscode.postMessage({ type: 'ready', runId, afterSeq: 0 });
