// The page: wires the backend, the data, a training session, the charts, the
// schedule explorer, the digit pad and the checkpoint slot together.
import './style.css';
import * as tf from '@tensorflow/tfjs-core';
import { startBackend, type ActiveBackend, type BackendName } from './backend.js';
import { LineChart, formatNumber } from './charts.js';
import { deleteCheckpoint, loadCheckpoint, saveCheckpoint, summarize, type CheckpointSummary } from './checkpoint-store.js';
import { DEFAULT_CONFIG, EVAL_SAMPLES, OPTIMIZER_LABELS, groupFields, type AmpChoice, type OptimizerKind, type RunConfig } from './config.js';
import { loadMnist } from './data.js';
import { DrawPad, paintImage28 } from './draw-pad.js';
import { ScheduleExplorer } from './explorer.js';
import { MODEL_LABELS, type ModelKind } from './model.js';
import { scheduleCurve } from './schedules.js';
import { TrainingSession, type MnistSplits, type SessionStatus } from './session.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const ui = {
  badge: $('backend-badge'),
  notice: $('notice'),
  error: $('error'),
  status: $('status'),
  start: $<HTMLButtonElement>('start'),
  pause: $<HTMLButtonElement>('pause'),
  resume: $<HTMLButtonElement>('resume'),
  save: $<HTMLButtonElement>('save'),
  restore: $<HTMLButtonElement>('restore'),
  remove: $<HTMLButtonElement>('delete'),
  checkpointInfo: $('checkpoint-info'),
  backendDetails: $('backend-details'),
  model: $<HTMLSelectElement>('model'),
  optimizer: $<HTMLSelectElement>('optimizer'),
  lr: $<HTMLInputElement>('lr'),
  batchSize: $<HTMLInputElement>('batch-size'),
  steps: $<HTMLInputElement>('steps'),
  amp: $<HTMLSelectElement>('amp'),
  seed: $<HTMLInputElement>('seed'),
  prediction: $('prediction'),
  probabilities: $('probabilities'),
  preview: $<HTMLCanvasElement>('pad-preview'),
};
const stat = (name: string, text: string) => ($(`stat-${name}`).textContent = text);

// ---------- state ----------

let backend: ActiveBackend | undefined;
let data: MnistSplits | undefined;
let session: TrainingSession | undefined;
let checkpoint: CheckpointSummary | null = null;
let busy = false; // a save or restore in progress
let lastPrediction: { digit: number; probabilities: number[] } | null = null;

function showError(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  ui.error.textContent = message;
  ui.error.hidden = false;
  console.error(err);
}
window.addEventListener('error', (e) => showError(e.error ?? e.message));
window.addEventListener('unhandledrejection', (e) => showError(e.reason));

// ---------- the run form ----------

function fillSelect<T extends string>(select: HTMLSelectElement, labels: Record<T, string>): void {
  select.replaceChildren(...Object.entries<string>(labels).map(([value, label]) => Object.assign(document.createElement('option'), { value, textContent: label })));
}
fillSelect(ui.model, MODEL_LABELS);
fillSelect(ui.optimizer, OPTIMIZER_LABELS);

function showConfig(c: Omit<RunConfig, 'schedule'>): void {
  ui.model.value = c.model;
  ui.optimizer.value = c.optimizer;
  ui.lr.value = String(c.lr);
  ui.batchSize.value = String(c.batchSize);
  ui.steps.value = String(c.steps);
  ui.amp.value = c.amp;
  ui.seed.value = String(c.seed);
}
showConfig(DEFAULT_CONFIG);

const positive = (input: HTMLInputElement, fallback: number) => {
  const v = Number(input.value);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const formSteps = () => Math.round(positive(ui.steps, DEFAULT_CONFIG.steps));
const formLr = () => positive(ui.lr, DEFAULT_CONFIG.lr);

let explorerBuilt = false;
const explorer = new ScheduleExplorer($('explorer'), {
  steps: formSteps,
  lr: formLr,
  groupFields: () => groupFields(ui.optimizer.value as OptimizerKind),
  // Not during construction: updateControls reads the explorer.
  changed: () => explorerBuilt && updateControls(),
});
explorerBuilt = true;
for (const input of [ui.steps, ui.lr]) input.addEventListener('input', () => explorer.refresh());
ui.optimizer.addEventListener('change', () => explorer.refresh());

function readConfig(): RunConfig {
  return {
    model: ui.model.value as ModelKind,
    optimizer: ui.optimizer.value as OptimizerKind,
    lr: formLr(),
    batchSize: Math.round(positive(ui.batchSize, DEFAULT_CONFIG.batchSize)),
    steps: formSteps(),
    amp: ui.amp.value as AmpChoice,
    seed: Math.max(0, Math.round(Number(ui.seed.value) || 0)),
    schedule: explorer.choice,
  };
}

// ---------- charts ----------

const runSteps = () => session?.config.steps ?? formSteps();
const lossChart = new LineChart($('loss-chart'), {
  xLabel: 'step',
  xMax: runSteps,
  yLabel: 'cross-entropy',
  series: [
    { label: 'train', stroke: '#2563eb' },
    { label: 'held-out', stroke: '#ea580c', points: true },
  ],
});
const accuracyChart = new LineChart($('accuracy-chart'), {
  xLabel: 'step',
  xMax: runSteps,
  yLabel: 'accuracy %',
  yRange: [0, 100],
  series: [{ label: 'held-out', stroke: '#16a34a', points: true, format: (v) => `${v.toFixed(1)}%` }],
});
const lrChart = new LineChart($('lr-chart'), {
  xLabel: 'step',
  xMax: runSteps,
  yLabel: 'lr',
  series: [
    { label: 'planned', stroke: '#c4b5fd', dash: [6, 4] },
    { label: 'used', stroke: '#7c3aed' },
  ],
});
$('eval-size').textContent = `(first ${EVAL_SAMPLES} test images)`;

/** Puts `ys` (at steps `xs`) on the grid `grid`, null elsewhere. */
function onGrid(grid: number[], xs: number[], ys: number[]): Array<number | null> {
  const at = new Map(xs.map((x, i) => [x, ys[i]]));
  return grid.map((x) => at.get(x) ?? null);
}

function drawCharts(): void {
  const h = session?.history;
  if (!h) {
    for (const c of [lossChart, accuracyChart, lrChart]) c.set([], ...c.plot.series.slice(1).map(() => []));
    return;
  }
  const grid = [...new Set([...h.step, ...h.evalStep])].sort((a, b) => a - b);
  lossChart.set(grid, onGrid(grid, h.step, h.loss), onGrid(grid, h.evalStep, h.evalLoss));
  accuracyChart.set(
    h.evalStep,
    h.evalAccuracy.map((a) => a * 100),
  );
}

/** The run's planned lr (step 1..T) and the lr each logged step used. */
function drawLr(): void {
  if (!session) return;
  const { steps, lr, schedule, optimizer } = session.config;
  const planned = scheduleCurve(schedule, steps, { lr, ...groupFields(optimizer) });
  const x = planned.map((_, i) => i + 1);
  lrChart.set(x, planned, onGrid(x, session.history.step, session.history.lr));
  $('lr-schedule').textContent = `(${schedule.name})`;
}

// ---------- stats, status, buttons ----------

const STATUS_TEXT: Record<SessionStatus, (s: TrainingSession) => string> = {
  ready: () => 'Ready.',
  running: (s) => `Training… step ${s.step} of ${s.config.steps}.`,
  pausing: () => 'Pausing after this step…',
  paused: (s) => `Paused at step ${s.step}. Resume goes on from here.`,
  done: (s) => `Done: ${s.step} steps. New run starts again from scratch.`,
  failed: () => 'Training failed: see the error above.',
};

function updateStats(): void {
  const s = session;
  if (!s) return;
  const h = s.history;
  stat('step', `${s.step} / ${s.config.steps}`);
  const perEpoch = s.loader.length;
  stat('epoch', (s.epoch + s.batchInEpoch / perEpoch).toFixed(2));
  stat('loss', h.loss.length ? h.loss[h.loss.length - 1].toFixed(4) : '–');
  stat('accuracy', h.evalAccuracy.length ? `${(h.evalAccuracy[h.evalAccuracy.length - 1] * 100).toFixed(1)}%` : '–');
  stat('lr', formatNumber(s.lr));
  stat('speed', s.status === 'running' && s.stepsPerSecond ? `${s.stepsPerSecond.toFixed(1)} steps/s` : '–');
  stat('precision', s.precision ? 'float16 (autocast, GradScaler)' : 'float32');
  stat('tensors', String(tf.memory().numTensors));
}

function setStatus(text: string): void {
  ui.status.textContent = text;
}

function updateControls(): void {
  const st = session?.status;
  const active = st === 'running' || st === 'pausing';
  const ready = Boolean(backend && data) && !busy;
  ui.start.disabled = !ready || active || !explorer.valid;
  ui.start.textContent = session ? 'New run' : 'Start';
  ui.pause.disabled = st !== 'running' || busy;
  ui.resume.disabled = st !== 'paused' || busy;
  ui.save.disabled = !ready || !session || session.step === 0 || st === 'failed';
  ui.restore.disabled = !ready || !checkpoint || active;
  ui.remove.disabled = busy || !checkpoint;
  document.body.dataset.status = st ?? (ready ? 'ready' : 'loading');
}

function showCheckpoint(): void {
  if (!checkpoint) {
    ui.checkpointInfo.textContent = 'No checkpoint in this browser yet.';
  } else {
    const when = new Date(checkpoint.savedAt).toLocaleTimeString();
    ui.checkpointInfo.textContent = `Step ${checkpoint.step} of ${checkpoint.steps}, saved at ${when} (${(checkpoint.bytes / 1024).toFixed(0)} KB, ${checkpoint.backend}).`;
  }
  ui.checkpointInfo.classList.toggle('muted', !checkpoint);
  updateControls();
}

// ---------- the digit pad ----------

const pad = new DrawPad($<HTMLCanvasElement>('pad'), (pixels) => {
  paintImage28(ui.preview, pad.image28());
  void predict(pixels);
});
$('clear').addEventListener('click', () => pad.clear());

function showProbabilities(probs: number[] | null): void {
  const top = probs ? probs.indexOf(Math.max(...probs)) : -1;
  ui.probabilities.replaceChildren(
    ...Array.from({ length: 10 }, (_, d) => {
      const p = probs?.[d] ?? 0;
      const li = document.createElement('li');
      li.className = d === top ? 'top' : '';
      li.innerHTML = `<span class="digit">${d}</span><span class="bar"><span style="width:${(p * 100).toFixed(1)}%"></span></span><span class="pct">${probs ? `${(p * 100).toFixed(1)}%` : ''}</span>`;
      return li;
    }),
  );
}
showProbabilities(null);

async function predict(pixels: Float32Array | null = pad.pixels()): Promise<void> {
  if (!pixels) {
    lastPrediction = null;
    ui.prediction.textContent = 'Draw a digit in the black box.';
    showProbabilities(null);
    return;
  }
  if (!session) {
    ui.prediction.textContent = 'Start training first: the model does not exist yet.';
    return;
  }
  const probs = Array.from(await session.predict(pixels));
  const digit = probs.indexOf(Math.max(...probs));
  lastPrediction = { digit, probabilities: probs };
  ui.prediction.innerHTML = `Prediction: <strong>${digit}</strong> <span class="muted">(${(probs[digit] * 100).toFixed(1)}% sure, model at step ${session.step})</span>`;
  showProbabilities(probs);
}

// ---------- sessions ----------

function attach(s: TrainingSession): void {
  session = s;
  drawCharts();
  drawLr();
  updateStats();
  updateControls();
}

const events = {
  status(st: SessionStatus, s: TrainingSession) {
    if (s !== session) return;
    setStatus(STATUS_TEXT[st](s));
    updateStats();
    updateControls();
  },
  log(s: TrainingSession) {
    if (s !== session) return;
    drawCharts();
    drawLr();
    if (!pad.empty) void predict();
  },
  step(s: TrainingSession) {
    if (s !== session) return;
    updateStats();
    if (s.status === 'running') setStatus(STATUS_TEXT.running(s));
  },
  error: showError,
};

async function startRun(): Promise<void> {
  const old = session;
  session = undefined;
  await old?.close();
  const s = new TrainingSession(readConfig(), data!, events);
  attach(s);
  s.start();
}

ui.start.addEventListener('click', () => void startRun().catch(showError));
ui.pause.addEventListener('click', () => void session?.pause());
ui.resume.addEventListener('click', () => session?.start());

async function guarded(work: () => Promise<void>): Promise<void> {
  busy = true;
  updateControls();
  try {
    await work();
  } catch (err) {
    showError(err);
  } finally {
    busy = false;
    updateControls();
  }
}

ui.save.addEventListener('click', () =>
  void guarded(async () => {
    const c = await session!.checkpoint(backend!.name);
    await saveCheckpoint(c);
    checkpoint = summarize(c);
    showCheckpoint();
    setStatus(`Saved step ${c.step} to this browser's IndexedDB.${session?.status === 'running' ? ' Training goes on.' : ''}`);
  }),
);

ui.restore.addEventListener('click', () =>
  void guarded(async () => {
    const c = await loadCheckpoint();
    if (!c) throw new Error('No checkpoint is stored in this browser any more.');
    const restored = TrainingSession.restore(c, data!, events);
    const old = session;
    session = undefined;
    await old?.close();
    showConfig(c.config);
    explorer.setChoice(c.config.schedule);
    attach(restored);
    setStatus(`Restored step ${restored.step} of ${restored.config.steps} from the checkpoint. Resume goes on from there.`);
    if (!pad.empty) await predict();
  }),
);

ui.remove.addEventListener('click', () =>
  void guarded(async () => {
    await deleteCheckpoint();
    checkpoint = null;
    showCheckpoint();
  }),
);

// ---------- start-up ----------

function showBackend(b: ActiveBackend): void {
  const info = b.adapter.capabilities.info as Record<string, unknown>;
  ui.badge.textContent = b.name === 'webgpu' ? `WebGPU · ${String(info.driver)}` : 'wasm (WebAssembly)';
  ui.badge.className = `badge ${b.name}`;
  const rows: Array<[string, string]> = [['Backend', b.name === 'webgpu' ? 'webgpu (tfjs-backend-webgpu)' : 'wasm (tfjs-backend-wasm)'], ...b.details];
  ui.backendDetails.replaceChildren(
    ...rows
      .filter(([, v]) => v !== '' && v !== '–')
      .flatMap(([k, v]) => {
        const dd = document.createElement('dd');
        if (k === 'Features') {
          // A long list: folded, its count shown.
          const details = document.createElement('details');
          details.append(Object.assign(document.createElement('summary'), { textContent: `${v.split(', ').length} features` }), v);
          dd.append(details);
        } else {
          dd.textContent = v;
        }
        return [Object.assign(document.createElement('dt'), { textContent: k }), dd];
      }),
  );
  if (b.fallbackReason) {
    ui.notice.innerHTML = '<strong>WebGPU is not available here, so training runs on wasm (WebAssembly, on the CPU) instead.</strong> It works the same, only slower.';
    const why = document.createElement('details');
    why.append(Object.assign(document.createElement('summary'), { textContent: 'Why' }), Object.assign(document.createElement('span'), { className: 'reason', textContent: b.fallbackReason }));
    ui.notice.append(why);
    ui.notice.hidden = false;
  }
}

async function boot(): Promise<void> {
  updateControls();
  const requested: BackendName = new URLSearchParams(location.search).get('backend') === 'wasm' ? 'wasm' : 'webgpu';
  setStatus('Starting the backend…');
  backend = await startBackend(requested);
  showBackend(backend);
  setStatus('Loading MNIST…');
  const mnist = await loadMnist(({ received, total }) => setStatus(`Loading MNIST: ${(received / 2 ** 20).toFixed(1)} of ${(total / 2 ** 20).toFixed(1)} MB…`));
  try {
    const stored = await loadCheckpoint();
    checkpoint = stored ? summarize(stored) : null;
  } catch (err) {
    showError(err);
  }
  // The page counts as loaded (its snapshot's dataLoaded) only once the stored checkpoint is known too.
  data = mnist;
  showCheckpoint();
  setStatus(`Ready: ${mnist.train.length.toLocaleString('en')} training and ${mnist.test.length.toLocaleString('en')} test images. ${checkpoint ? 'Start a run, or Restore the checkpoint.' : 'Press Start.'}`);
  updateControls();
}

/** What `window.descentApp.snapshot()` returns: a read-only view of the page, for tests and the devtools console. */
export type AppSnapshot = ReturnType<typeof snapshot>;

function snapshot() {
  return {
    backend: backend ? { name: backend.name, fallbackReason: backend.fallbackReason ?? null, info: backend.adapter.capabilities.info } : null,
    dataLoaded: Boolean(data),
    status: session?.status ?? null,
    step: session?.step ?? 0,
    config: session?.config ?? null,
    history: session ? structuredClone(session.history) : null,
    tensors: backend ? tf.memory().numTensors : 0,
    unloggedSteps: session?.unloggedSteps ?? 0,
    explorer: { choice: explorer.choice, redraws: explorer.redraws, curve: explorer.chart.values[1] ?? [], valid: explorer.valid },
    charts: { loss: lossChart.values, accuracy: accuracyChart.values, lr: lrChart.values },
    prediction: lastPrediction,
    checkpoint,
  };
}
Object.assign(window, { descentApp: { snapshot } });

boot().catch(showError);
