// The page in headless Chromium on SwiftShader's WebGPU, driven as a user
// would: it loads, trains on WebGPU with a falling loss, draws its charts, the
// schedule explorer redraws when an option changes, a digit drawn with the
// mouse gets a prediction, and a checkpoint saved to IndexedDB survives a
// reload and training resumes from it, step for step as the run that went on.
// Without WebGPU the page falls back to wasm and says so. Any console error,
// page error or failed request fails the test. Screenshots go to docs/screenshots/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { StepLR, getCosineScheduleWithWarmup, sampleSchedule, type Scheduler } from '@descent/lr-schedule';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AppSnapshot } from '../src/main.ts';
import { APP_ROOT, buildAndServe, launchChromium, type App, type Session } from './browser.ts';

const SCREENSHOTS = join(APP_ROOT, '..', '..', 'docs', 'screenshots');
// Small enough for SwiftShader on two cores: batches of 32, a 120-step schedule,
// paused at 60 and run on for 20 after the checkpoint (twice: before and after the reload).
const STEPS = 120;
const BATCH = 32;
const PAUSE_AT = 60;
const RESUME_FOR = 20;
const LR = 1e-3;

// Started by the first test and shared; a failure to start fails each test.
let pending: Promise<{ app: App; chromium: Session; page: Page }> | undefined;
const timings: Record<string, number> = {};

async function start() {
  const t0 = performance.now();
  const app = await buildAndServe();
  timings.build = app.buildMs;
  const chromium = await launchChromium();
  const page = await chromium.newPage('webgpu');
  timings.launch = performance.now() - t0 - app.buildMs;
  return { app, chromium, page };
}
const ready = () => (pending ??= start());

const snapshot = (page: Page) => page.evaluate(() => (window as unknown as { descentApp: { snapshot(): AppSnapshot } }).descentApp.snapshot());

async function waitFor(page: Page, what: string, predicate: (s: AppSnapshot) => boolean, timeout = 60_000): Promise<AppSnapshot> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const s = await snapshot(page);
    if (predicate(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}; page status: ${await page.locator('#status').textContent()}; step ${s.step}`);
    await page.waitForTimeout(100);
  }
}

async function load(page: Page, url: string): Promise<AppSnapshot> {
  const t0 = performance.now();
  await page.goto(url, { waitUntil: 'load' });
  const s = await waitFor(page, 'the backend and MNIST', (x) => x.dataLoaded, 60_000);
  timings[`load ${page === (await ready()).page ? 'webgpu' : 'wasm'}`] = performance.now() - t0;
  return s;
}

/** Pauses, then waits for the loader's prefetch to settle (it goes on filling its two batches while paused). */
async function pause(page: Page): Promise<AppSnapshot> {
  await page.click('#pause');
  let s = await waitFor(page, 'the pause', (x) => x.status === 'paused');
  for (let same = 0; same < 3; ) {
    await page.waitForTimeout(100);
    const next = await snapshot(page);
    same = next.tensors === s.tensors ? same + 1 : 0;
    s = next;
  }
  return s;
}

async function resumeUntil(page: Page, step: number): Promise<AppSnapshot> {
  await page.click('#resume');
  await waitFor(page, `step ${step}`, (s) => s.step >= step);
  return pause(page);
}

type Stroke = Array<[number, number]>;
const ONE: Stroke[] = [
  [
    [0.56, 0.16],
    [0.5, 0.5],
    [0.46, 0.84],
  ],
];

/** Mouse strokes in the drawing box, points as fractions of its size. */
async function draw(page: Page, strokes: Stroke[]): Promise<void> {
  const box = (await page.locator('#pad').boundingBox())!;
  const at = ([x, y]: [number, number]) => [box.x + x * box.width, box.y + y * box.height] as const;
  for (const stroke of strokes) {
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    for (const p of stroke.slice(1)) await page.mouse.move(...at(p), { steps: 10 });
    await page.mouse.up();
  }
}

async function drawAndPredict(page: Page, strokes: Stroke[]): Promise<NonNullable<AppSnapshot['prediction']>> {
  await page.click('#clear');
  await draw(page, strokes);
  const s = await waitFor(page, 'a prediction', (x) => x.prediction !== null, 10_000);
  return s.prediction!;
}

/** Pixels of a chart's canvas near a series color (uPlot draws on a 2D canvas). */
function inkOf(page: Page, selector: string, rgb: [number, number, number]): Promise<number> {
  return page.evaluate(
    ([sel, [r, g, b]]) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`${sel} canvas`)!;
      const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 60) n++;
      return n;
    },
    [selector, rgb] as const,
  );
}

async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, name), fullPage });
}

/** The curve Node's @descent/lr-schedule gives for the explorer's choice: what the page must draw. */
function expectedCurve(choice: AppSnapshot['explorer']['choice']): number[] {
  const optimizer = { paramGroups: [{ lr: LR }] };
  const o = choice.options as never;
  const scheduler: Scheduler = choice.name === 'StepLR' ? new StepLR(optimizer, o) : choice.name === 'cosine' ? getCosineScheduleWithWarmup(optimizer, o) : unexpected(choice.name);
  return sampleSchedule(scheduler, STEPS)[0];
}
function unexpected(name: string): never {
  throw new Error(`the test has no reference for schedule ${name}`);
}

// What the checkpoint test compares across the reload.
let paused: AppSnapshot;
let savedPrediction: number[];
let wentOn: AppSnapshot;

describe('browser-webgpu in headless Chromium (SwiftShader WebGPU)', () => {
  afterEach(async () => {
    const { chromium } = await ready();
    expect(chromium.problems, `browser console:\n${chromium.console.join('\n')}`).toEqual([]);
  });

  afterAll(async () => {
    if (!pending) return;
    const { app, chromium } = await pending;
    await chromium.close();
    await app.close();
    console.info(`browser-webgpu timings: ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}`);
  });

  it('loads on WebGPU with the SwiftShader adapter and serves MNIST itself', async () => {
    const { app, page } = await ready();
    const s = await load(page, app.url);
    expect(s.backend).toMatchObject({ name: 'webgpu', fallbackReason: null, info: { driver: 'SwiftShader', runtime: 'browser' } });
    await expect.poll(() => page.locator('#backend-badge').textContent()).toBe('WebGPU · SwiftShader');
    expect(await page.locator('#notice').isHidden()).toBe(true);
    expect(await page.locator('#backend-details').textContent()).toContain('SwiftShader');
    expect(await page.locator('#status').textContent()).toMatch(/Ready: 60,000 training and 10,000 test images/);
    expect(await page.locator('#start').isEnabled()).toBe(true);
  }, 120_000);

  it(`trains ${PAUSE_AT} steps on WebGPU, the loss falls, and no tensor leaks`, async () => {
    const { page } = await ready();
    await page.fill('#steps', String(STEPS));
    await page.fill('#batch-size', String(BATCH));
    const t0 = performance.now();
    await page.click('#start');
    await waitFor(page, 'training', (s) => s.status === 'running');
    await waitFor(page, `step ${PAUSE_AT}`, (s) => s.step >= PAUSE_AT, 90_000);
    paused = await pause(page);
    timings[`${paused.step} steps`] = performance.now() - t0;
    const h = paused.history!;
    expect(paused.config).toMatchObject({ steps: STEPS, batchSize: BATCH, model: 'mlp', optimizer: 'adam', lr: LR, schedule: { name: 'cosine' } });
    expect(h.step.slice(0, 3)).toEqual([5, 10, 15]);
    // Untrained, the cross-entropy of 10 classes is ln(10) = 2.30.
    expect(h.loss[0]).toBeGreaterThan(1.8);
    const last = h.loss.slice(-3);
    expect(Math.max(...last)).toBeLessThan(0.5 * h.loss[0]);
    expect(h.evalAccuracy.at(-1)!).toBeGreaterThan(0.6);
    expect(h.evalStep).toEqual([25, 50, 75].filter((x) => x <= paused.step));
    // The lr followed the planned schedule (cosine with warmup), step by step.
    const planned = expectedCurve(paused.config!.schedule);
    h.step.forEach((step, i) => expect(h.lr[i]).toBeCloseTo(planned[step - 1], 12));
    expect(await page.locator('#status').textContent()).toBe(`Paused at step ${paused.step}. Resume goes on from here.`);
    expect(await page.locator('#stat-step').textContent()).toBe(`${paused.step} / ${STEPS}`);
  }, 120_000);

  it('draws the charts, and the explorer redraws when an option changes', async () => {
    const { page } = await ready();
    const s = await snapshot(page);
    const h = s.history!;
    // Loss chart: the train series at every logged step, held-out at every evaluation.
    expect(s.charts.loss[0].length).toBe(h.step.length);
    expect(s.charts.loss[1]).toEqual(h.loss);
    expect(s.charts.accuracy[1]).toEqual(h.evalAccuracy.map((a) => a * 100));
    expect(s.charts.lr[0].length).toBe(STEPS);
    expect(await inkOf(page, '#loss-chart', [0x25, 0x63, 0xeb])).toBeGreaterThan(200);
    expect(await inkOf(page, '#accuracy-chart', [0x16, 0xa3, 0x4a])).toBeGreaterThan(100);
    expect(await inkOf(page, '#lr-chart', [0x7c, 0x3a, 0xed])).toBeGreaterThan(100);

    // Pick another schedule: the curve is the one @descent/lr-schedule computes in Node.
    await page.selectOption('#schedule-name', 'StepLR');
    const step = await waitFor(page, 'the StepLR curve', (x) => x.explorer.choice.name === 'StepLR');
    expect(step.explorer.choice.options).toEqual({ stepSize: 30, gamma: 0.5 });
    expect(step.explorer.curve).toEqual(expectedCurve(step.explorer.choice));
    const before = await page.locator('#schedule-chart canvas').screenshot();

    // Change an option: the curve redraws at once.
    await page.fill('#opt-gamma', '0.8');
    const changed = await waitFor(page, 'the redraw', (x) => x.explorer.redraws > step.explorer.redraws);
    expect(changed.explorer.choice.options).toEqual({ stepSize: 30, gamma: 0.8 });
    expect(changed.explorer.curve).toEqual(expectedCurve(changed.explorer.choice));
    expect(changed.explorer.curve.at(-1)).toBeCloseTo(LR * 0.8 ** 3, 12);
    expect((await page.locator('#schedule-chart canvas').screenshot()).equals(before)).toBe(false);
    expect(await page.locator('#schedule-code').textContent()).toBe('new StepLR(optimizer, { stepSize: 30, gamma: 0.8 })');

    // A bad option shows the library's error and keeps the last good curve.
    await page.fill('#opt-stepSize', '0');
    await expect.poll(() => page.locator('#schedule-error').isVisible()).toBe(true);
    expect(await page.locator('#schedule-error').textContent()).toMatch(/stepSize/);
    expect(await page.locator('#start').isEnabled()).toBe(false);
    expect((await snapshot(page)).explorer.curve).toEqual(changed.explorer.curve);
    await page.fill('#opt-stepSize', '30');
    await expect.poll(() => page.locator('#schedule-error').isHidden()).toBe(true);
  }, 60_000);

  it('predicts a digit drawn with the mouse', async () => {
    const { page } = await ready();
    const p = await drawAndPredict(page, ONE);
    expect(p.probabilities).toHaveLength(10);
    expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(p.digit).toBe(1);
    expect(await page.locator('#prediction').textContent()).toMatch(/^Prediction: 1 \(\d+\.\d% sure, model at step \d+\)$/);
    expect(await page.locator('#probabilities li.top .digit').textContent()).toBe('1');
    // The 28×28 preview shows what the model got.
    const ink = await page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('#pad-preview')!;
      const d = c.getContext('2d')!.getImageData(0, 0, 28, 28).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] > 128) n++;
      return n;
    });
    expect(ink).toBeGreaterThan(20);
  }, 30_000);

  it('saves a checkpoint that survives a reload, and training resumes from it', async () => {
    const { app, page } = await ready();
    await page.click('#save');
    await expect.poll(() => page.locator('#checkpoint-info').textContent()).toMatch(new RegExp(`^Step ${paused.step} of ${STEPS}, saved at`));
    savedPrediction = (await drawAndPredict(page, ONE)).probabilities;

    // The run goes on from the pause (the screenshot of the page mid-training)...
    await page.click('#resume');
    await waitFor(page, 'the next logged step', (s) => s.history!.step.length > paused.history!.step.length);
    await screenshot(page, 'browser-webgpu-training.png');
    await waitFor(page, `step ${paused.step + RESUME_FOR}`, (s) => s.step >= paused.step + RESUME_FOR);
    wentOn = await pause(page);
    // No tensor leaks: the same count, but for the sum of the losses not logged yet.
    const liveTensors = (s: AppSnapshot) => s.tensors - (s.unloggedSteps > 0 ? 1 : 0);
    expect(liveTensors(wentOn)).toBe(liveTensors(paused));

    // ...then the page is reloaded: the checkpoint is still in IndexedDB.
    await page.reload({ waitUntil: 'load' });
    const reloaded = await waitFor(page, 'the reloaded page', (s) => s.dataLoaded);
    expect(reloaded.step).toBe(0);
    expect(reloaded.checkpoint).toMatchObject({ step: paused.step, steps: STEPS, backend: 'webgpu' });
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/Restore the checkpoint/);

    await page.click('#restore');
    const restored = await waitFor(page, 'the restore', (s) => s.step === paused.step && s.status === 'paused');
    expect(restored.history).toEqual(paused.history);
    expect(restored.config).toEqual(paused.config);
    expect(await page.locator('#steps').inputValue()).toBe(String(STEPS));
    // The same weights: the same drawing gets the same probabilities as before the save.
    const again = await drawAndPredict(page, ONE);
    again.probabilities.forEach((p, i) => expect(p).toBeCloseTo(savedPrediction[i], 6));

    // Resumed, the step counter goes on from the checkpoint and the run is the one that went on:
    // same data order, optimizer state and schedule, so the same losses and lrs.
    await page.click('#resume');
    await waitFor(page, 'a step after the checkpoint', (s) => s.step > paused.step);
    await screenshot(page, 'browser-webgpu-resumed.png');
    await pause(page);
    const resumed = await resumeUntil(page, wentOn.step);
    const h = resumed.history!;
    const n = paused.history!.step.length;
    expect(h.step.slice(0, n)).toEqual(paused.history!.step);
    expect(h.step[n]).toBe(Math.ceil((paused.step + 1) / 5) * 5);
    const compare = (a: AppSnapshot, b: AppSnapshot) => {
      const common = a.history!.step.filter((x) => x > paused.step && b.history!.step.includes(x));
      expect(common.length).toBeGreaterThanOrEqual(RESUME_FOR / 5 - 1);
      for (const x of common) {
        const i = a.history!.step.indexOf(x);
        const j = b.history!.step.indexOf(x);
        expect(a.history!.loss[i], `loss at step ${x}`).toBeCloseTo(b.history!.loss[j], 5);
        expect(a.history!.lr[i]).toBe(b.history!.lr[j]);
      }
    };
    compare(resumed, wentOn);
    expect(h.loss.at(-1)!).toBeLessThan(0.5 * h.loss[0]);
  }, 120_000);

  it('falls back to wasm with a visible notice where the browser has no WebGPU', async () => {
    const { app, chromium } = await ready();
    // A browser without WebGPU: navigator.gpu is gone before the page's scripts run.
    const page = await chromium.newPage('no-webgpu', () => {
      delete (Navigator.prototype as { gpu?: unknown }).gpu;
    });
    const s = await load(page, app.url);
    expect(s.backend).toMatchObject({ name: 'wasm' });
    expect(s.backend!.fallbackReason).toMatch(/navigator\.gpu is undefined/);
    const notice = page.locator('#notice');
    expect(await notice.isVisible()).toBe(true);
    expect(await notice.textContent()).toMatch(/^WebGPU is not available here, so training runs on wasm/);
    expect(await page.locator('#backend-badge').textContent()).toBe('wasm (WebAssembly)');
    await page.fill('#steps', '20');
    await page.click('#start');
    const done = await waitFor(page, 'the wasm run', (x) => x.status === 'done', 60_000);
    expect(done.step).toBe(20);
    expect(done.history!.loss.every(Number.isFinite)).toBe(true);
    expect(done.history!.loss.at(-1)!).toBeLessThan(done.history!.loss[0]);
    await screenshot(page, 'browser-webgpu-wasm-fallback.png', false);
    await page.close();
  }, 90_000);
});
