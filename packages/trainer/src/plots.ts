import { renderSvg } from '@descent/lr-schedule';
import type { EvaluationResult, Misclassified } from './evaluate.js';
import { load, node, writeFileAtomic, type NodeModules } from './node.js';
import { encodeGrayPng } from './png.js';
import type { Logs } from './state.js';

// The pictures of a run directory (Node): loss, accuracy and learning-rate curves,
// the confusion matrix and a grid of misclassified 28x28 images, each as SVG and,
// where @resvg/resvg-js is installed, PNG (rendered by @descent/lr-schedule's svgToPng).

const FONT = 'font-family="DejaVu Sans, Arial, Helvetica, sans-serif"';

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A confusion matrix as an SVG heat map: rows are true classes, columns predictions, each cell annotated with its count. */
export function confusionMatrixSvg(matrix: number[][], options: { title?: string; labels?: string[] } = {}): string {
  const C = matrix.length;
  const cell = Math.max(22, Math.min(56, Math.floor(520 / Math.max(C, 1))));
  const left = 70;
  const top = options.title === '' ? 40 : 60;
  const title = options.title ?? 'Confusion matrix';
  const W = Math.max(left + C * cell + 20, Math.ceil(title.length * 7.6) + 40);
  const H = top + C * cell + 50;
  const label = (i: number) => escapeXml(options.labels?.[i] ?? String(i));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT} font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  if (title) out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`);
  out.push(`<text x="${left + (C * cell) / 2}" y="${top - 22}" text-anchor="middle" fill="#333">predicted</text>`);
  out.push(`<text x="16" y="${top + (C * cell) / 2}" text-anchor="middle" fill="#333" transform="rotate(-90 16 ${top + (C * cell) / 2})">true</text>`);
  const fontSize = Math.max(8, Math.min(13, Math.floor(cell / 3)));
  for (let r = 0; r < C; r++) {
    const rowTotal = matrix[r].reduce((a, b) => a + b, 0);
    out.push(`<text x="${left - 6}" y="${top + r * cell + cell / 2}" text-anchor="end" dominant-baseline="middle" fill="#333">${label(r)}</text>`);
    for (let c = 0; c < C; c++) {
      const v = matrix[r][c];
      const f = rowTotal > 0 ? v / rowTotal : 0;
      const shade = Math.round(255 - f * 200);
      const fill = r === c ? `rgb(${shade},${Math.round(255 - f * 120)},${shade})` : `rgb(255,${shade},${shade})`;
      const x = left + c * cell;
      const y = top + r * cell;
      out.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${v === 0 ? '#fafafa' : fill}" stroke="#dddddd"/>`);
      out.push(`<text x="${x + cell / 2}" y="${y + cell / 2}" text-anchor="middle" dominant-baseline="middle" font-size="${fontSize}" fill="${f > 0.6 ? '#ffffff' : '#222222'}">${v}</text>`);
    }
  }
  for (let c = 0; c < C; c++) out.push(`<text x="${left + c * cell + cell / 2}" y="${top - 6}" text-anchor="middle" fill="#333">${label(c)}</text>`);
  out.push('</svg>');
  return out.join('\n');
}

/** Whether a sample is a 28x28 grayscale image (MNIST-like): [784], [28, 28], [28, 28, 1] or [1, 28, 28]. */
export function isGray28(shape: readonly number[]): boolean {
  const key = shape.join('x');
  return key === '784' || key === '28x28' || key === '28x28x1' || key === '1x28x28';
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function toBytes(pixels: Float32Array): Uint8Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of pixels) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  const span = hi > lo ? hi - lo : 1;
  const out = new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = Number.isFinite(pixels[i]) ? Math.round(((pixels[i] - lo) / span) * 255) : 0;
  return out;
}

/**
 * A grid of misclassified 28x28 grayscale images, each labelled with its
 * predicted and true class; the pixels are embedded as PNG data URIs.
 * `deflate` is zlib's deflateSync.
 */
export function misclassifiedSvg(samples: readonly Misclassified[], deflate: (d: Uint8Array) => Uint8Array, options: { columns?: number; scale?: number; labels?: string[] } = {}): string {
  const images = samples.filter((s) => isGray28(s.shape));
  const columns = Math.max(1, Math.min(options.columns ?? 5, images.length));
  const scale = options.scale ?? 3;
  const size = 28 * scale;
  const cellW = size + 16;
  const cellH = size + 40;
  const rows = Math.ceil(images.length / columns);
  const W = Math.max(columns * cellW + 16, 240);
  const H = rows * cellH + 44;
  const name = (i: number) => escapeXml(options.labels?.[i] ?? String(i));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT} font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${images.length ? `Misclassified (${images.length})` : 'No misclassified 28x28 images'}</text>`);
  images.forEach((s, i) => {
    const x = 16 + (i % columns) * cellW;
    const y = 36 + Math.floor(i / columns) * cellH;
    const png = encodeGrayPng(28, 28, toBytes(s.pixels), deflate);
    const uri = `data:image/png;base64,${base64(png)}`;
    out.push(`<image x="${x}" y="${y}" width="${size}" height="${size}" image-rendering="pixelated" style="image-rendering:pixelated" href="${uri}" xlink:href="${uri}"/>`);
    out.push(`<text x="${x + size / 2}" y="${y + size + 15}" text-anchor="middle" fill="#c62828">pred ${name(s.predicted)}</text>`);
    out.push(`<text x="${x + size / 2}" y="${y + size + 30}" text-anchor="middle" fill="#333">true ${name(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

type SvgToPng = (svg: string, options?: { scale?: number }) => Promise<Uint8Array>;

let pngRenderer: Promise<SvgToPng | null> | undefined;

/** lr-schedule's svgToPng, or null (with one notice) where @resvg/resvg-js is not installed. */
export function loadSvgToPng(warn: (m: string) => void = console.warn): Promise<SvgToPng | null> {
  // Through `load`: a bundler following this import would reach @resvg/resvg-js, a native Node addon.
  pngRenderer ??= (load('@descent/lr-schedule/plot-png') as Promise<{ svgToPng: SvgToPng }>)
    .then(async (m) => {
      await m.svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>');
      return m.svgToPng as SvgToPng;
    })
    .catch((err: Error) => {
      warn(`Descent trainer: PNG plots skipped (${err.message}); the SVGs are written.`);
      return null;
    });
  return pngRenderer;
}

/** Writes `name.svg` and, when PNG rendering is available, `name.png`; returns the paths written. */
export async function writeSvgAndPng(m: NodeModules, dir: string, name: string, svg: string): Promise<string[]> {
  const files = [m.path.join(dir, `${name}.svg`)];
  await writeFileAtomic(m, files[0], svg);
  const toPng = await loadSvgToPng();
  if (toPng) {
    files.push(m.path.join(dir, `${name}.png`));
    await writeFileAtomic(m, files[1], await toPng(svg));
  }
  return files;
}

/** What {@link writeRunPlots} draws from. */
export interface RunPlotsInput {
  logHistory: readonly Logs[];
  /** The last evaluation (confusion matrix, misclassified samples). */
  evaluation?: EvaluationResult | null;
  /** Class names for the matrix and the grid. */
  labels?: string[];
}

/** Writes every picture there is data for into `dir`; returns the paths written. */
export async function writeRunPlots(dir: string, input: RunPlotsInput): Promise<string[]> {
  const m = await node('Run plots');
  await m.fs.mkdir(dir, { recursive: true });
  const written: string[] = [];
  const stepLogs = input.logHistory.filter((l) => l.loss !== undefined && l.train_loss === undefined && l.train_runtime === undefined);
  const epochLogs = input.logHistory.filter((l) => l.train_loss !== undefined && l.train_runtime === undefined);
  const series = (logs: readonly Logs[], key: string) => logs.map((l) => l[key]).filter((v): v is number => typeof v === 'number');
  const plot = async (name: string, data: number[][], title: string, labels?: string[]) => {
    if (data.length === 0 || data.every((s) => s.length === 0)) return;
    written.push(...(await writeSvgAndPng(m, dir, name, renderSvg(data, { title, labels }))));
  };
  const every = stepLogs.length > 1 ? stepLogs[1].step - stepLogs[0].step : 1;
  await plot('loss', [series(stepLogs, 'loss')], `Training loss (one point per log, every ${every} steps)`);
  await plot('learning_rate', [series(stepLogs, 'learning_rate')], `Learning rate (one point per log, every ${every} steps)`);
  const evalLoss = series(epochLogs, 'eval_loss');
  await plot('epoch_loss', evalLoss.length ? [series(epochLogs, 'train_loss'), evalLoss] : [series(epochLogs, 'train_loss')], 'Loss per epoch', ['train', 'eval']);
  await plot('accuracy', [series(epochLogs, 'eval_accuracy')], 'Evaluation accuracy per epoch');
  const ev = input.evaluation;
  if (ev?.confusionMatrix) {
    const title = `Confusion matrix (accuracy ${((ev.accuracy ?? NaN) * 100).toFixed(2)}%, ${ev.samples} samples)`;
    written.push(...(await writeSvgAndPng(m, dir, 'confusion_matrix', confusionMatrixSvg(ev.confusionMatrix, { title, labels: input.labels }))));
  }
  if (ev?.misclassified && ev.misclassified.some((s) => isGray28(s.shape))) {
    const deflate = (d: Uint8Array) => new Uint8Array(m.zlib.deflateSync(d));
    written.push(...(await writeSvgAndPng(m, dir, 'misclassified', misclassifiedSvg(ev.misclassified, deflate, { labels: input.labels }))));
  }
  return written;
}
