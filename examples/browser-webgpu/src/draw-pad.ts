// A box to draw a digit in with the mouse, a pen or a finger, and the
// preprocessing that makes a drawing look like an MNIST digit: the ink's
// bounding box scaled to fit 20×20 (aspect kept), then placed in a 28×28 image
// with its center of mass at the center, as the MNIST set was made.
import { MNIST_MEAN, MNIST_STD } from './model.js';

const SIZE = 28;
const BOX = 20;

export class DrawPad {
  private readonly ctx: CanvasRenderingContext2D;
  private last: { x: number; y: number } | null = null;
  private ink = false;

  constructor(
    readonly canvas: HTMLCanvasElement,
    /** Called at the end of each stroke, and with null when cleared. */
    private readonly onDrawing: (pixels: Float32Array | null) => void,
  ) {
    this.ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    this.blank();
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.last = this.point(e);
      this.dot(this.last);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.last) return;
      const p = this.point(e);
      this.line(this.last, p);
      this.last = p;
    });
    const end = () => {
      if (!this.last) return;
      this.last = null;
      this.onDrawing(this.pixels());
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  get empty(): boolean {
    return !this.ink;
  }

  clear(): void {
    this.blank();
    this.onDrawing(null);
  }

  private blank(): void {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.ink = false;
  }

  private point(e: PointerEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * this.canvas.width) / r.width, y: ((e.clientY - r.top) * this.canvas.height) / r.height };
  }

  private get penWidth(): number {
    return this.canvas.width / 14; // about MNIST's stroke width once scaled down
  }

  private dot(p: { x: number; y: number }): void {
    this.ctx.fillStyle = '#fff';
    this.ctx.beginPath();
    this.ctx.arc(p.x, p.y, this.penWidth / 2, 0, 2 * Math.PI);
    this.ctx.fill();
    this.ink = true;
  }

  private line(a: { x: number; y: number }, b: { x: number; y: number }): void {
    const ctx = this.ctx;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = this.penWidth;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
    this.ink = true;
  }

  /** The drawing as a 28×28 MNIST-style image, values 0..1 row-major; null if nothing is drawn. */
  image28(): Float32Array | null {
    if (!this.ink) return null;
    const { width, height } = this.canvas;
    const src = this.ctx.getImageData(0, 0, width, height).data;
    let [x0, y0, x1, y1] = [width, height, -1, -1];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (src[(y * width + x) * 4] > 20) {
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
          y0 = Math.min(y0, y);
          y1 = Math.max(y1, y);
        }
      }
    }
    if (x1 < 0) return null;
    const bw = x1 - x0 + 1;
    const bh = y1 - y0 + 1;
    const scale = BOX / Math.max(bw, bh);
    const dw = Math.max(1, Math.round(bw * scale));
    const dh = Math.max(1, Math.round(bh * scale));
    // Scaled to fit 20×20, as MNIST's digits were (smoothing 'high' averages the pixels away).
    const small = new OffscreenCanvas(dw, dh).getContext('2d')!;
    small.imageSmoothingQuality = 'high';
    small.drawImage(this.canvas, x0, y0, bw, bh, 0, 0, dw, dh);
    const box = small.getImageData(0, 0, dw, dh).data;
    let [mass, mx, my] = [0, 0, 0];
    for (let y = 0; y < dh; y++) {
      for (let x = 0; x < dw; x++) {
        const v = box[(y * dw + x) * 4];
        mass += v;
        mx += v * x;
        my += v * y;
      }
    }
    // Center of mass to the image's center.
    const left = Math.round(SIZE / 2 - (mass ? mx / mass : dw / 2) - 0.5);
    const top = Math.round(SIZE / 2 - (mass ? my / mass : dh / 2) - 0.5);
    const out = new Float32Array(SIZE * SIZE);
    for (let y = 0; y < dh; y++) {
      for (let x = 0; x < dw; x++) {
        const tx = x + left;
        const ty = y + top;
        if (tx >= 0 && tx < SIZE && ty >= 0 && ty < SIZE) out[ty * SIZE + tx] = box[(y * dw + x) * 4] / 255;
      }
    }
    return out;
  }

  /** The drawing normalized as the model's training inputs were; null if nothing is drawn. */
  pixels(): Float32Array | null {
    const img = this.image28();
    return img ? img.map((v) => (v - MNIST_MEAN) / MNIST_STD) : null;
  }
}

/** Paints a 28×28 image (0..1) into a canvas of that size: what the model sees. */
export function paintImage28(canvas: HTMLCanvasElement, image: Float32Array | null): void {
  const ctx = canvas.getContext('2d')!;
  const data = ctx.createImageData(SIZE, SIZE);
  for (let i = 0; i < SIZE * SIZE; i++) {
    const v = Math.round((image?.[i] ?? 0) * 255);
    data.data.set([v, v, v, 255], i * 4);
  }
  ctx.putImageData(data, 0, 0);
}
