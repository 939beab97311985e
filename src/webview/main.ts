import { assertNever, type HostToWebview, type PanelState, type RunInfo, type WebviewToHost } from '../shared/protocol';
import { applyEvent, emptyTranscript, formatCacheBadge, formatFooter, formatQueued, type Transcript } from '../shared/transcript';
import type { SeqEvent } from '../core/agents/events';
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
const cancelButton = $('cancel') as HTMLButtonElement;
const rerunButton = $('rerun') as HTMLButtonElement;

// Restored state (panel hidden and shown again, or the window reloaded): redraw, then resume.
const saved = vscode.getState();
let run: RunInfo | undefined = saved?.run;
let runId: string | undefined = saved?.runId ?? (document.body.dataset.runId || undefined);
let lastSeq = saved?.lastSeq ?? 0;
let transcript: Transcript = saved?.transcript ?? emptyTranscript();
let unavailable = false;

// Events are applied to the model at once but drawn once per animation frame,
// so a burst of thousands of chunks costs one layout, not thousands.
const dirty = new Set<number>();
let frameRequested = false;
let saveTimer: ReturnType<typeof setTimeout> | undefined;

function scheduleDraw(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(draw);
}

function draw(): void {
  frameRequested = false;
  const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
  view.render(transcript, dirty);
  dirty.clear();
  drawChrome();
  if (atBottom) window.scrollTo(0, document.body.scrollHeight);
  scheduleSave();
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
}

/** setState is not free with big transcripts: at most twice a second, and at the end. */
function scheduleSave(): void {
  if (saveTimer !== undefined) return;
  const delay = transcript.outcome ? 0 : 500;
  saveTimer = setTimeout(() => {
    saveTimer = undefined;
    if (runId) vscode.setState({ runId, lastSeq, run, transcript });
  }, delay);
}

function onEvents(events: SeqEvent[]): void {
  for (const e of events) {
    if (e.seq <= lastSeq) continue; // already have it (a replay overlapping the live stream)
    if (e.seq !== lastSeq + 1) {
      // A gap: something was posted while we could not receive it. Ask again.
      vscode.postMessage({ type: 'ready', runId, afterSeq: lastSeq });
      return;
    }
    lastSeq = e.seq;
    dirty.add(applyEvent(transcript, e.event));
  }
  scheduleDraw();
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
      scheduleDraw();
      return;
    case 'state':
      if (data.run.runId === runId) {
        run = data.run;
        scheduleDraw();
      }
      return;
    case 'events':
      if (data.runId === runId) onEvents(data.events);
      return;
    case 'runUnavailable':
      unavailable = true;
      scheduleDraw();
      return;
    default:
      assertNever(data);
  }
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

// The footer's clock ticks while the run is live.
setInterval(() => !transcript.outcome && !unavailable && run?.state === 'running' && drawChrome(), 1000);

view.render(transcript, []);
drawChrome();
vscode.postMessage({ type: 'ready', runId, afterSeq: lastSeq });
