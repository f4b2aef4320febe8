import { check, checkPositiveInt, formatValue } from './errors.js';
import { perGroup, type OptimizerLike, groupsOf } from './optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';

/** CyclicLR's amplitude policies, torch's names. */
export type CyclicMode = 'triangular' | 'triangular2' | 'exp_range';

/** Options of {@link CyclicLR}, torch's keyword arguments in lowerCamelCase. */
export interface CyclicLROptions extends Omit<SchedulerOptions, 'field'> {
  /** Lower bound of the cycle, for all groups or one per group. */
  baseLr: number | number[];
  /** Upper bound of the cycle, for all groups or one per group. */
  maxLr: number | number[];
  /** Steps in the rising half of a cycle. Default 2000. */
  stepSizeUp?: number;
  /** Steps in the falling half; defaults to `stepSizeUp`. */
  stepSizeDown?: number;
  /** Default `'triangular'`; ignored when `scaleFn` is given. */
  mode?: CyclicMode;
  /** `exp_range`'s base: the amplitude is scaled by `gamma ** iteration`. Default 1. */
  gamma?: number;
  /** Custom amplitude scaling, `0 <= scaleFn(x) <= 1`; overrides `mode`. */
  scaleFn?: (x: number) => number;
  /** Whether `scaleFn` sees the cycle number or the iteration. Default `'cycle'`. */
  scaleMode?: 'cycle' | 'iterations';
  /** Cycle `momentum` inversely to the lr. Default true. */
  cycleMomentum?: boolean;
  /** Default 0.8. */
  baseMomentum?: number | number[];
  /** Default 0.9. */
  maxMomentum?: number | number[];
}

/** torch's CyclicLR (Smith's cyclical learning rates), with momentum cycling. Step it per batch. */
export class CyclicLR extends LRScheduler {
  maxLrs: number[];
  totalSize: number;
  stepRatio: number;
  mode: CyclicMode;
  gamma: number;
  scaleMode: 'cycle' | 'iterations';
  cycleMomentum: boolean;
  baseMomentums: number[] = [];
  maxMomentums: number[] = [];
  private readonly customScaleFn?: (x: number) => number;

  constructor(optimizer: OptimizerLike, options: CyclicLROptions) {
    super(optimizer, {});
    const lastEpoch = options?.lastEpoch ?? -1;
    const baseLrs = perGroup('baseLr', optimizer, options.baseLr);
    baseLrs.forEach((v, i) => check(typeof v === 'number', 'baseLr', options.baseLr, `baseLr[${i}] must be a number, got ${formatValue(v)}`));
    if (lastEpoch === -1) groupsOf(optimizer).forEach((g, i) => (g.lr = baseLrs[i]!));
    this.maxLrs = perGroup('maxLr', optimizer, options.maxLr);
    const up = options.stepSizeUp ?? 2000;
    const down = options.stepSizeDown ?? up;
    checkPositiveInt('stepSizeUp', up);
    checkPositiveInt('stepSizeDown', down);
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    this.mode = options.mode ?? 'triangular';
    this.gamma = options.gamma ?? 1;
    if (options.scaleFn === undefined) {
      check(
        ['triangular', 'triangular2', 'exp_range'].includes(this.mode),
        'mode',
        this.mode,
        `mode must be 'triangular', 'triangular2' or 'exp_range' when no scaleFn is given, got ${formatValue(this.mode)}`,
      );
      this.scaleMode = this.mode === 'exp_range' ? 'iterations' : 'cycle';
    } else {
      check(typeof options.scaleFn === 'function', 'scaleFn', options.scaleFn);
      this.customScaleFn = options.scaleFn;
      this.scaleMode = options.scaleMode ?? 'cycle';
      check(['cycle', 'iterations'].includes(this.scaleMode), 'scaleMode', this.scaleMode, `scaleMode must be 'cycle' or 'iterations', got ${formatValue(this.scaleMode)}`);
    }
    this.cycleMomentum = options.cycleMomentum ?? true;
    if (this.cycleMomentum) {
      const hasMomentum = groupsOf(optimizer).every((g) => typeof g.momentum === 'number') || typeof optimizer.defaults?.momentum === 'number';
      check(hasMomentum, 'cycleMomentum', true, 'optimizer must support momentum (a numeric `momentum` in each param group) with the cycleMomentum option enabled; pass cycleMomentum: false otherwise');
      const baseMomentums = perGroup('baseMomentum', optimizer, options.baseMomentum ?? 0.8);
      if (lastEpoch === -1) groupsOf(optimizer).forEach((g, i) => (g.momentum = baseMomentums[i]!));
      this.baseMomentums = groupsOf(optimizer).map((g) => g.momentum as number);
      this.maxMomentums = perGroup('maxMomentum', optimizer, options.maxMomentum ?? 0.9);
    }
    this.attach(lastEpoch);
    // As torch: the initial step used the groups' initialLr; from now on the bounds are baseLr.
    this.baseLrs = baseLrs;
  }

  protected override stateKeys(): string[] {
    return ['maxLrs', 'totalSize', 'stepRatio', 'mode', 'gamma', 'scaleMode', 'cycleMomentum', 'baseMomentums', 'maxMomentums'];
  }

  /**
   * The amplitude scale at `x` (the cycle number or the iteration, per `scaleMode`): the custom `scaleFn`, or `mode`'s (torch's `scale_fn`).
   */
  scaleFn(x: number): number {
    if (this.customScaleFn) return this.customScaleFn(x);
    if (this.mode === 'triangular') return 1;
    if (this.mode === 'triangular2') return 1 / 2 ** (x - 1);
    return this.gamma ** x;
  }

  protected computeLr(): number[] {
    const k = this.lastEpoch;
    const cycle = Math.floor(1 + k / this.totalSize);
    const x = 1 + k / this.totalSize - cycle;
    const scale = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const s = this.scaleFn(this.scaleMode === 'cycle' ? cycle : k);
    const lrs = this.baseLrs.map((base, i) => base + (this.maxLrs[i]! - base) * scale * s);
    if (this.cycleMomentum) {
      this.groups.forEach((g, i) => {
        const max = this.maxMomentums[i]!;
        g.momentum = max - (max - this.baseMomentums[i]!) * scale * s;
      });
    }
    return lrs;
  }
}
