/**
 * A scalar as torch's LBFGS line search holds it: a Python float (float64), or a
 * 0-dim float32 tensor (`gtd`, anything computed from one). Arithmetic follows
 * torch's promotion: if either side is a tensor, the Python float is cast to
 * float32 and the result rounds to float32; otherwise it is float64. Comparisons
 * with a tensor compare in float32. This keeps the line search's branches
 * (`f_new > f + c1·t·gtd` absorbs the tiny product into `f` in float32) exactly torch's.
 */
export class TorchScalar {
  private constructor(
    readonly value: number,
    /** A 0-dim float32 tensor in torch (else a Python float). */
    readonly tensor: boolean,
  ) {}

  static float(value: number): TorchScalar {
    return new TorchScalar(value, false);
  }

  static f32(value: number): TorchScalar {
    return new TorchScalar(Math.fround(value), true);
  }

  private static of(x: TorchScalar | number): TorchScalar {
    return typeof x === 'number' ? TorchScalar.float(x) : x;
  }

  private op(other: TorchScalar | number, f: (a: number, b: number) => number): TorchScalar {
    const b = TorchScalar.of(other);
    if (!this.tensor && !b.tensor) return TorchScalar.float(f(this.value, b.value));
    return TorchScalar.f32(f(Math.fround(this.value), Math.fround(b.value)));
  }

  add(b: TorchScalar | number): TorchScalar {
    return this.op(b, (x, y) => x + y);
  }

  sub(b: TorchScalar | number): TorchScalar {
    return this.op(b, (x, y) => x - y);
  }

  mul(b: TorchScalar | number): TorchScalar {
    return this.op(b, (x, y) => x * y);
  }

  div(b: TorchScalar | number): TorchScalar {
    return this.op(b, (x, y) => x / y);
  }

  /** `number - this` (Python's `a - t` with a float on the left). */
  rsub(a: number): TorchScalar {
    return TorchScalar.float(a).sub(this);
  }

  abs(): TorchScalar {
    return new TorchScalar(Math.abs(this.value), this.tensor);
  }

  sqrt(): TorchScalar {
    return this.tensor ? TorchScalar.f32(Math.sqrt(this.value)) : TorchScalar.float(Math.sqrt(this.value));
  }

  private cmp(other: TorchScalar | number): [number, number] {
    const b = TorchScalar.of(other);
    return this.tensor || b.tensor ? [Math.fround(this.value), Math.fround(b.value)] : [this.value, b.value];
  }

  gt(b: TorchScalar | number): boolean {
    const [x, y] = this.cmp(b);
    return x > y;
  }

  ge(b: TorchScalar | number): boolean {
    const [x, y] = this.cmp(b);
    return x >= y;
  }

  lt(b: TorchScalar | number): boolean {
    const [x, y] = this.cmp(b);
    return x < y;
  }

  le(b: TorchScalar | number): boolean {
    const [x, y] = this.cmp(b);
    return x <= y;
  }

  /** Python's `max(a, b)`: `a` unless `b > a`, as the object it was. */
  static max(a: TorchScalar, b: TorchScalar): TorchScalar {
    return b.gt(a) ? b : a;
  }

  /** Python's `min(a, b)`: `a` unless `b < a`. */
  static min(a: TorchScalar, b: TorchScalar): TorchScalar {
    return b.lt(a) ? b : a;
  }
}
