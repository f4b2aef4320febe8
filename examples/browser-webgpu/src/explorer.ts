// The schedule explorer: pick any schedule of @descent/lr-schedule, change its
// options, and its curve over the run redraws as you type. The choice is the
// schedule of the next run.
import { LineChart } from './charts.js';
import type { ScheduleChoice } from './config.js';
import { DEFAULT_SCHEDULE, EXPLORER_SCHEDULES, defaultOptions, findExplorerSchedule, scheduleCode, scheduleCurve, type ExplorerSchedule, type OptionSpec } from './schedules.js';

export interface ExplorerContext {
  /** The run's steps and base lr, from the run form. */
  steps(): number;
  lr(): number;
  /** The optimizer's schedulable fields besides lr (Adam's betas, SGD's momentum), for schedules that cycle them. */
  groupFields(): Record<string, unknown>;
  /** After every redraw (the curve, or an error). */
  changed?(): void;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

export class ScheduleExplorer {
  readonly chart: LineChart;
  private entry: ExplorerSchedule;
  private values: Record<string, unknown> = {};
  /** Options the user typed in; the others follow the run's steps and lr. */
  private readonly edited = new Set<string>();
  private readonly select: HTMLSelectElement;
  private readonly form: HTMLElement;
  private readonly description: HTMLElement;
  private readonly error: HTMLElement;
  private readonly code: HTMLElement;
  /** How many times the curve was drawn (tests watch it). */
  redraws = 0;

  constructor(
    root: HTMLElement,
    private readonly context: ExplorerContext,
  ) {
    this.select = root.querySelector<HTMLSelectElement>('#schedule-name')!;
    this.form = root.querySelector<HTMLElement>('#schedule-options')!;
    this.description = root.querySelector<HTMLElement>('#schedule-description')!;
    this.error = root.querySelector<HTMLElement>('#schedule-error')!;
    this.code = root.querySelector<HTMLElement>('#schedule-code')!;
    for (const source of ['torch', 'transformers'] as const) {
      const group = el('optgroup', { label: source === 'torch' ? 'torch.optim.lr_scheduler' : 'transformers (HuggingFace)' });
      for (const e of EXPLORER_SCHEDULES.filter((x) => x.source === source)) group.append(el('option', { value: e.name, textContent: e.name }));
      this.select.append(group);
    }
    this.chart = new LineChart(root.querySelector<HTMLElement>('#schedule-chart')!, {
      xLabel: 'step',
      yLabel: 'lr',
      height: 220,
      series: [{ label: 'lr', stroke: '#7c3aed' }],
    });
    this.select.addEventListener('change', () => this.pick(this.select.value));
    this.entry = findExplorerSchedule(DEFAULT_SCHEDULE);
    this.pick(DEFAULT_SCHEDULE);
  }

  get choice(): ScheduleChoice {
    return { name: this.entry.name, options: structuredClone(this.values) };
  }

  /** Shows a saved choice (a restored run's schedule). */
  setChoice(choice: ScheduleChoice): void {
    this.entry = findExplorerSchedule(choice.name);
    this.select.value = this.entry.name;
    this.edited.clear();
    for (const k of Object.keys(choice.options)) this.edited.add(k);
    this.values = { ...defaultOptions(this.entry, this.context.steps(), this.context.lr()), ...structuredClone(choice.options) };
    this.renderForm();
    this.redraw();
  }

  /** The run's steps or lr changed: options that follow them are re-derived. */
  refresh(): void {
    const defaults = defaultOptions(this.entry, this.context.steps(), this.context.lr());
    for (const [k, v] of Object.entries(defaults)) if (!this.edited.has(k)) this.values[k] = v;
    this.renderForm();
    this.redraw();
  }

  private pick(name: string): void {
    this.entry = findExplorerSchedule(name);
    this.select.value = this.entry.name;
    this.edited.clear();
    this.values = defaultOptions(this.entry, this.context.steps(), this.context.lr());
    this.renderForm();
    this.redraw();
  }

  private renderForm(): void {
    this.description.textContent = this.entry.description;
    const specs = this.entry.options;
    this.form.replaceChildren(...specs.map((spec) => this.input(spec)));
    if (specs.length === 0) this.form.append(el('p', { className: 'muted', textContent: 'No options.' }));
  }

  private input(spec: OptionSpec): HTMLElement {
    const value = this.values[spec.name];
    const id = `opt-${spec.name}`;
    let input: HTMLInputElement | HTMLSelectElement;
    if (spec.kind === 'enum') {
      input = el('select', { id }, ...spec.choices!.map((c) => el('option', { value: c, textContent: c })));
      input.value = String(value ?? spec.choices![0]);
    } else if (spec.kind === 'boolean') {
      input = el('input', { id, type: 'checkbox', checked: value === true });
    } else {
      input = el('input', {
        id,
        type: spec.kind === 'numbers' ? 'text' : 'number',
        step: spec.kind === 'int' ? '1' : 'any',
        value: value === undefined ? '' : Array.isArray(value) ? value.join(', ') : String(value),
        placeholder: spec.optional ? 'derived' : '',
      });
    }
    input.name = spec.name;
    input.addEventListener(spec.kind === 'enum' || spec.kind === 'boolean' ? 'change' : 'input', () => {
      this.edited.add(spec.name);
      this.values[spec.name] = this.read(spec, input);
      this.redraw();
    });
    return el('label', { className: 'option', htmlFor: id }, el('span', { textContent: spec.name }), input);
  }

  private read(spec: OptionSpec, input: HTMLInputElement | HTMLSelectElement): unknown {
    if (spec.kind === 'boolean') return (input as HTMLInputElement).checked;
    if (spec.kind === 'enum') return input.value;
    const text = input.value.trim();
    if (text === '') return undefined; // the scheduler's own default (or its error if required)
    if (spec.kind === 'numbers') return text.split(/[\s,]+/).filter(Boolean).map(Number);
    return Number(text);
  }

  /** Redraws the curve; a bad option leaves the last good curve and shows the library's error. */
  private redraw(): void {
    const steps = this.context.steps();
    const choice = this.choice;
    this.code.textContent = scheduleCode(choice);
    let curve: number[];
    try {
      curve = scheduleCurve(choice, steps, { lr: this.context.lr(), ...this.context.groupFields() });
    } catch (err) {
      this.error.textContent = (err as Error).message;
      this.error.hidden = false;
      this.context.changed?.();
      return;
    }
    this.error.hidden = true;
    this.chart.set(
      curve.map((_, i) => i),
      curve,
    );
    this.redraws++;
    this.context.changed?.();
  }

  /** Whether the options give a schedule (Start needs one). */
  get valid(): boolean {
    return this.error.hidden;
  }
}
