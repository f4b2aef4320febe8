import { check, checkInRange, checkNumber, checkPositiveInt, formatValue, InvalidArgumentError } from './errors.js';
import { perGroup, type OptimizerLike, type ParamGroup, groupsOf } from './optimizer.js';
import { LRScheduler, type SchedulerOptions } from './scheduler.js';

/** Options of {@link OneCycleLR}, torch's keyword arguments in lowerCamelCase. */
export interface OneCycleLROptions extends Omit<SchedulerOptions, 'field'> {
  /** Peak lr, for all groups or one per group. */
  maxLr: number | number[];
  /** Steps in the cycle; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent rising. Default 0.3. */
  pctStart?: number;
  /** Default `'cos'`. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (SGD) or beta1 (Adam-style `betas`) inversely to the lr. Default true. */
  cycleMomentum?: boolean;
  /** Default 0.85. */
  baseMomentum?: number | number[];
  /** Default 0.95. */
  maxMomentum?: number | number[];
  /** Starting lr is `maxLr / divFactor`. Default 25. */
  divFactor?: number;
  /** Final lr is the starting lr `/ finalDivFactor`. Default 1e4. */
  finalDivFactor?: number;
  /** The original paper's three phases instead of fastai's two. Default false. */
  threePhase?: boolean;
}

interface Phase {
  endStep: number;
  startLr: 'initialLr' | 'maxLr' | 'minLr';
  endLr: 'initialLr' | 'maxLr' | 'minLr';
  startMomentum: 'maxMomentum' | 'baseMomentum';
  endMomentum: 'maxMomentum' | 'baseMomentum';
}

function annealCos(start: number, end: number, pct: number): number {
  const cosOut = Math.cos(Math.PI * pct) + 1;
  return end + ((start - end) / 2.0) * cosOut;
}

function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

/**
 * torch's OneCycleLR (1cycle policy). Step it per batch. Like torch it keeps
 * `initialLr`, `maxLr`, `minLr`, `maxMomentum` and `baseMomentum` on each group.
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1 = false;
  private readonly phases: Phase[];

  constructor(optimizer: OptimizerLike, options: OneCycleLROptions) {
    super(optimizer, {});
    const o = options ?? ({} as OneCycleLROptions);
    const lastEpoch = o.lastEpoch ?? -1;
    if (o.totalSteps === undefined && o.epochs === undefined && o.stepsPerEpoch === undefined) {
      throw new InvalidArgumentError('totalSteps', undefined, 'You must define either totalSteps OR (epochs AND stepsPerEpoch)');
    } else if (o.totalSteps !== undefined) {
      checkPositiveInt('totalSteps', o.totalSteps);
      this.totalSteps = o.totalSteps;
    } else {
      checkPositiveInt('epochs', o.epochs);
      checkPositiveInt('stepsPerEpoch', o.stepsPerEpoch);
      this.totalSteps = o.epochs * o.stepsPerEpoch;
    }
    const pct = o.pctStart ?? 0.3;
    checkInRange('pctStart', pct, 0, 1);
    const total = this.totalSteps;
    this.phases = o.threePhase
      ? [
          { endStep: pct * total - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: 2 * pct * total - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
          { endStep: total - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
        ]
      : [
          { endStep: pct * total - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: total - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        ];
    this.annealStrategy = o.annealStrategy ?? 'cos';
    check(
      this.annealStrategy === 'cos' || this.annealStrategy === 'linear',
      'annealStrategy',
      this.annealStrategy,
      `annealStrategy must be one of 'cos' or 'linear', got ${formatValue(this.annealStrategy)}`,
    );
    const divFactor = o.divFactor ?? 25;
    const finalDivFactor = o.finalDivFactor ?? 1e4;
    checkNumber('divFactor', divFactor);
    checkNumber('finalDivFactor', finalDivFactor);
    const maxLrs = perGroup('maxLr', optimizer, o.maxLr);
    maxLrs.forEach((v, i) => check(typeof v === 'number', 'maxLr', o.maxLr, `maxLr[${i}] must be a number, got ${formatValue(v)}`));
    if (lastEpoch === -1) {
      groupsOf(optimizer).forEach((g, i) => {
        g.initialLr = maxLrs[i]! / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = g.initialLr / finalDivFactor;
      });
    }
    this.cycleMomentum = o.cycleMomentum ?? true;
    if (this.cycleMomentum) {
      const groups = groupsOf(optimizer);
      const hasBetas = groups.every((g) => Array.isArray(g.betas)) || Array.isArray(optimizer.defaults?.betas);
      const hasMomentum = groups.every((g) => typeof g.momentum === 'number') || typeof optimizer.defaults?.momentum === 'number';
      check(
        hasBetas || hasMomentum,
        'cycleMomentum',
        true,
        'optimizer must support momentum (a numeric `momentum` or a `betas` array in each param group) with the cycleMomentum option enabled; pass cycleMomentum: false otherwise',
      );
      this.useBeta1 = hasBetas;
      const maxMomentums = perGroup('maxMomentum', optimizer, o.maxMomentum ?? 0.95);
      const baseMomentums = perGroup('baseMomentum', optimizer, o.baseMomentum ?? 0.85);
      if (lastEpoch === -1) {
        groups.forEach((g, i) => {
          this.writeMomentum(g, maxMomentums[i]!);
          g.maxMomentum = maxMomentums[i];
          g.baseMomentum = baseMomentums[i];
        });
      }
    }
    this.attach(lastEpoch);
  }

  protected override stateKeys(): string[] {
    return ['totalSteps', 'annealStrategy', 'cycleMomentum', 'useBeta1', 'phases'];
  }

  private writeMomentum(group: ParamGroup, value: number): void {
    if (this.useBeta1) group.betas = [value, ...(group.betas ?? []).slice(1)];
    else group.momentum = value;
  }

  override step(epoch?: number): void {
    const next = epoch ?? this.lastEpoch + 1;
    if (next > this.totalSteps) {
      throw new InvalidArgumentError(
        'totalSteps',
        this.totalSteps,
        `OneCycleLR: tried to step ${next + 1} times, but totalSteps is ${this.totalSteps}. ` +
          'The usual cause is stepping per batch while totalSteps counts epochs, or stepping per epoch while it counts batches: ' +
          'OneCycleLR is stepped once per batch, with totalSteps = epochs * stepsPerEpoch.',
      );
    }
    super.step(epoch);
  }

  protected computeLr(): number[] {
    const stepNum = this.lastEpoch;
    const anneal = this.annealStrategy === 'cos' ? annealCos : annealLinear;
    const last = this.phases.length - 1;
    return this.groups.map((group) => {
      let startStep = 0;
      for (let i = 0; i <= last; i++) {
        const phase = this.phases[i]!;
        if (stepNum <= phase.endStep || i === last) {
          const pct = (stepNum - startStep) / (phase.endStep - startStep);
          const lr = anneal(group[phase.startLr] as number, group[phase.endLr] as number, pct);
          if (this.cycleMomentum) {
            this.writeMomentum(group, anneal(group[phase.startMomentum] as number, group[phase.endMomentum] as number, pct));
          }
          return lr;
        }
        startStep = phase.endStep;
      }
      return group.lr;
    });
  }
}
