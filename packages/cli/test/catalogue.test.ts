import * as sched from '@descent/lr-schedule';
import { describe, expect, it } from 'vitest';
import { findSchedule, main, requiredScheduleDefaults, SCHEDULE_ALIASES, SCHEDULES, type ScheduleEntry } from '../src/index.js';

type SchedulerClass = abstract new (...args: never[]) => sched.Scheduler;
// A stand-in optimizer with a momentum for CyclicLR's and OneCycleLR's cycling.
const optimizer = (): sched.OptimizerLike => {
  const group: sched.ParamGroup = { lr: 0.1, momentum: 0.9 };
  return { paramGroups: [group], defaults: { ...group } };
};

// Exported schedulers the CLI cannot build from flags, and why.
const NOT_FROM_FLAGS: Record<string, string> = {
  LambdaLR: 'takes a function',
  MultiplicativeLR: 'takes a function',
  ScheduleLR: 'takes a schedule function',
  SequentialLR: 'takes other schedulers',
  ChainedScheduler: 'takes other schedulers',
};

const exports = Object.entries(sched as Record<string, unknown>);
/** Every class lr-schedule exports whose instances are schedulers (step and getLastLr), but the abstract base. */
const schedulerClasses = exports.filter(
  (e): e is [string, SchedulerClass] =>
    typeof e[1] === 'function' && e[1] !== sched.LRScheduler && typeof e[1].prototype?.step === 'function' && typeof e[1].prototype?.getLastLr === 'function',
);
/** transformers' get_*_schedule functions. */
const hfFactories = exports.filter((e): e is [string, (...args: never[]) => unknown] => typeof e[1] === 'function' && /^get.+Schedule/.test(e[0]));

/** The options `lr plot NAME --total 40 --warmup 3` passes (and the two that transformers requires without a default). */
function plotOptions(entry: ScheduleEntry): Record<string, unknown> {
  const extra: Record<string, Record<string, unknown>> = { cosine_with_min_lr: { minLrRate: 0.1 }, warmup_stable_decay: { numDecaySteps: 5 } };
  return { ...requiredScheduleDefaults(entry), ...(entry.total && { [entry.total]: 40 }), ...(entry.warmup && { [entry.warmup]: 3 }), ...extra[entry.name] };
}
const lrs = (s: sched.Scheduler, n = 30) =>
  Array.from({ length: n }, () => {
    const lr = s.getLastLr()[0];
    s.step();
    return lr;
  });

describe("the CLI's catalogue", () => {
  it("holds every name of lr-schedule's SCHEDULERS map, each with its source and factory", () => {
    expect(SCHEDULES.map((e) => e.name).sort()).toEqual(Object.keys(sched.SCHEDULERS).sort());
    for (const e of SCHEDULES) expect(e.source, e.name).toBe(sched.SCHEDULERS[e.name].source);
  });

  it('holds every scheduler lr-schedule exports, but those built from functions or other schedulers', () => {
    expect(schedulerClasses.length).toBeGreaterThanOrEqual(15);
    expect(hfFactories.length).toBeGreaterThanOrEqual(10);
    for (const name of Object.keys(NOT_FROM_FLAGS)) expect(schedulerClasses.map(([n]) => n), name).toContain(name);
    const built = SCHEDULES.map((e) => Object.getPrototypeOf(e.create(optimizer(), plotOptions(e))).constructor);
    for (const [name, cls] of schedulerClasses) {
      if (name in NOT_FROM_FLAGS) continue;
      expect(built, `${name} is not in the catalogue`).toContain(cls);
    }
    const factories = SCHEDULES.map((e) => sched.SCHEDULERS[e.name].create);
    for (const [name, fn] of hfFactories) expect(factories, `${name} is not in the catalogue`).toContain(fn);
  });

  it("lists the schedulers' own defaults: giving them changes nothing", () => {
    for (const e of SCHEDULES.filter((x) => !x.metric)) {
      const listed = Object.fromEntries(Object.entries(e.options).filter(([, v]) => v !== undefined));
      const given = lrs(e.create(optimizer(), { ...listed, ...plotOptions(e) }));
      expect(lrs(e.create(optimizer(), plotOptions(e))), e.name).toEqual(given);
    }
  });

  it('finds names and aliases, ignoring case, "_" and "-"', () => {
    expect(findSchedule('step_lr')?.name).toBe('StepLR');
    expect(findSchedule('cosine-with-warmup')?.name).toBe('cosine');
    expect(findSchedule('ReduceLROnPlateau')?.name).toBe('reduce_lr_on_plateau');
    for (const [alias, name] of Object.entries(SCHEDULE_ALIASES)) expect(findSchedule(alias)?.name, alias).toBe(name);
    expect(findSchedule('cosin')).toBeUndefined();
  });

  it('ReduceLROnPlateau is listed, and lr plot says why it has nothing to plot', async () => {
    const lines: string[] = [];
    expect(await main(['lr', 'list'], { out: (t) => lines.push(t) })).toBe(0);
    expect(lines.join('\n')).toMatch(/reduce_lr_on_plateau +get_reduce_on_plateau_schedule \(torch's ReduceLROnPlateau\)/);
    const err: string[] = [];
    expect(await main(['lr', 'plot', 'ReduceLROnPlateau'], { out: () => undefined, err: (t) => err.push(t) })).toBe(2);
    expect(err.join('\n')).toMatch(/reduce_lr_on_plateau steps on a metric .* it has no schedule to plot; descent train --schedule reduce_lr_on_plateau uses it/);
  });
});
