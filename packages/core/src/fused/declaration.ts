import { InvalidArgumentError } from '../errors.js';

/** How an attribute reaches a kernel: a float (rounded to float32 once by the kernel) or a flag. */
export type AttrKind = 'f32' | 'bool';

/** Attribute names and kinds, in the order a kernel that takes positional arguments receives them. */
export type AttrSpec = Readonly<Record<string, AttrKind>>;

/** The values of an op's attributes: numbers for `f32`, booleans for `bool`. */
export type AttrValues<A extends AttrSpec> = { -readonly [K in keyof A]: AttrValue<A[K]> };
type AttrValue<K> = K extends 'bool' ? boolean : number;

/**
 * A fused op's contract, as constant data: what a kernel on any backend
 * receives and returns. It holds no code, so adapters import it without the
 * algorithm package that defines the op's fallback.
 */
export interface FusedOpDeclaration<I extends string = string, O extends string = string, A extends AttrSpec = AttrSpec> {
  /** Unique name; it becomes the tfjs kernel name `Descent<Name>`. */
  readonly name: string;
  /** Tensor inputs, in order. */
  readonly inputs: readonly I[];
  /** Tensor outputs, in order (tfjs hands them back as a list in this order). */
  readonly outputs: readonly O[];
  readonly attrs: A;
  /** Inputs that are `[]` scalars; every other input and output has the first input's shape, or a reduced one. */
  readonly scalarInputs: readonly I[];
  /**
   * Inputs and outputs (by name) whose shape is the first input's with one axis
   * reduced to 1, as a `keepDims` reduction leaves it (Adafactor's row and column
   * factors: `rowVar: -1`, `colVar: -2`). Negative axes count from the end.
   */
  readonly reducedAxes: Readonly<Partial<Record<I | O, number>>>;
}

/** The input names of a declaration, as a union of string literals. */
export type InputsOf<D> = D extends FusedOpDeclaration<infer I, string, AttrSpec> ? I : never;
/** The output names of a declaration, as a union of string literals. */
export type OutputsOf<D> = D extends FusedOpDeclaration<string, infer O, AttrSpec> ? O : never;
/** The attribute values a declaration's kernels and fallback receive. */
export type AttrsOf<D> = D extends FusedOpDeclaration<string, string, infer A> ? AttrValues<A> : never;

/** Declares a fused op. Names must be unique across inputs, outputs and attributes of one op. */
export function declareFusedOp<const I extends string, const O extends string, const A extends AttrSpec>(spec: {
  name: string;
  inputs: readonly I[];
  outputs: readonly O[];
  attrs: A;
  scalarInputs?: readonly NoInfer<I>[];
  reducedAxes?: Partial<Record<NoInfer<I> | NoInfer<O>, number>>;
}): FusedOpDeclaration<I, O, A> {
  const seen = new Set<string>();
  for (const list of [spec.inputs, spec.outputs.filter((o) => !(spec.inputs as readonly string[]).includes(o)), Object.keys(spec.attrs)]) {
    for (const n of list) {
      if (seen.has(n)) throw new InvalidArgumentError('spec', n, `fused op ${spec.name}: "${n}" is declared twice`);
      seen.add(n);
    }
  }
  for (const n of Object.keys(spec.reducedAxes ?? {})) {
    const known = (spec.inputs as readonly string[]).includes(n) || (spec.outputs as readonly string[]).includes(n);
    if (!known || n === spec.inputs[0]) throw new InvalidArgumentError('spec', n, `fused op ${spec.name}: reducedAxes names "${n}", which is not a declared input or output other than the first`);
  }
  return Object.freeze({
    name: spec.name,
    inputs: Object.freeze([...spec.inputs]),
    outputs: Object.freeze([...spec.outputs]),
    attrs: Object.freeze({ ...spec.attrs }) as A,
    scalarInputs: Object.freeze([...(spec.scalarInputs ?? [])]),
    reducedAxes: Object.freeze({ ...(spec.reducedAxes ?? {}) }) as Partial<Record<I | O, number>>,
  });
}

/**
 * The shape a declared input or output has when the first input has `shape`:
 * `[]` for a scalar input, `shape` with the reduced axis set to 1, or `shape`.
 */
export function declaredShape(decl: FusedOpDeclaration, name: string, shape: readonly number[]): number[] {
  if ((decl.scalarInputs as readonly string[]).includes(name)) return [];
  const axis = (decl.reducedAxes as Record<string, number | undefined>)[name];
  if (axis === undefined) return [...shape];
  const k = axis < 0 ? shape.length + axis : axis;
  if (k < 0 || k >= shape.length) {
    throw new InvalidArgumentError('shape', shape, `fused op ${decl.name}: "${name}" reduces axis ${axis}, which a tensor of shape [${shape.join(', ')}] does not have`);
  }
  const out = [...shape];
  out[k] = 1;
  return out;
}

/**
 * Checks attribute values against a declaration: every declared attribute is
 * present with its kind, and there are no others. Kernels and fallbacks rely on it.
 */
export function checkAttrs(decl: FusedOpDeclaration, attrs: Record<string, unknown>): void {
  for (const [name, kind] of Object.entries(decl.attrs)) {
    const v = attrs[name];
    const ok = kind === 'bool' ? typeof v === 'boolean' : typeof v === 'number';
    if (!ok) {
      throw new InvalidArgumentError(name, v, `fused op ${decl.name}: attribute "${name}" must be a ${kind === 'bool' ? 'boolean' : 'number'}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
    }
  }
  for (const name of Object.keys(attrs)) {
    if (!(name in decl.attrs)) throw new InvalidArgumentError(name, attrs[name], `fused op ${decl.name} has no attribute "${name}" (declared: ${Object.keys(decl.attrs).join(', ') || 'none'})`);
  }
}

/** Attribute values of any op, untyped (test harnesses that handle every op alike). */
export type FusedAttrs = Record<string, number | boolean>;
