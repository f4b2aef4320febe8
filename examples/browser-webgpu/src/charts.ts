// Line charts drawn by uPlot: the run's loss, accuracy and lr, and the schedule
// explorer's curve. Each chart follows its container's width.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface SeriesSpec {
  label: string;
  stroke: string;
  /** Draw a dot at each point (sparse series such as evaluations). */
  points?: boolean;
  dash?: number[];
  /** How the legend prints a value. */
  format?: (v: number) => string;
}

export interface ChartSpec {
  xLabel: string;
  yLabel: string;
  series: SeriesSpec[];
  height?: number;
  /** Fixed y range, e.g. [0, 100] for a percentage. */
  yRange?: [number, number];
  /** Log-scale y axis. */
  logY?: boolean;
  yFormat?: (v: number) => string;
  /** The x axis spans 0 .. xMax() (a run's steps), however far the data has got. */
  xMax?: () => number;
}

/** Compact numbers for axes and legends: 0.001 → 1e-3, 0.25 → 0.25. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-2 || a >= 1e5) return v.toExponential(a < 1e-2 && Number(v.toExponential(0)) === v ? 0 : 1).replace('e-', 'e−');
  return String(Number(v.toPrecision(3)));
}

export class LineChart {
  readonly plot: uPlot;
  private data: uPlot.AlignedData;

  constructor(
    readonly element: HTMLElement,
    spec: ChartSpec,
  ) {
    this.data = [[], ...spec.series.map(() => [])];
    const yFormat = spec.yFormat ?? formatNumber;
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height: spec.height ?? 200,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: spec.xMax ? { time: false, range: () => [0, spec.xMax!()] } : { time: false },
        y: spec.logY ? { distr: 3 } : spec.yRange ? { range: spec.yRange } : { auto: true },
      },
      axes: [
        { label: spec.xLabel, labelSize: 18, size: 36, stroke: '#4b5563', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#d1d5db' } },
        {
          label: spec.yLabel,
          labelSize: 18,
          size: 54,
          stroke: '#4b5563',
          grid: { stroke: '#eef0f3' },
          ticks: { stroke: '#d1d5db' },
          values: (_u, ticks) => ticks.map((t) => yFormat(t)),
        },
      ],
      series: [
        { label: spec.xLabel, value: (_u, v) => (v === null ? '–' : String(v)) },
        ...spec.series.map((s) => ({
          label: s.label,
          stroke: s.stroke,
          width: 2,
          dash: s.dash,
          spanGaps: true,
          points: { show: s.points ?? false, size: 6, fill: s.stroke },
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : (s.format ?? formatNumber)(v)),
        })),
      ],
    };
    this.plot = new uPlot(options, this.data, element);
    new ResizeObserver(() => {
      const width = Math.max(200, element.clientWidth);
      if (width !== this.plot.width) this.plot.setSize({ width, height: this.plot.height });
    }).observe(element);
  }

  /** Replaces the data: x values and one array per series (null where a series has no point). */
  set(x: number[], ...ys: Array<Array<number | null>>): void {
    this.data = [x, ...ys] as uPlot.AlignedData;
    this.plot.setData(this.data);
  }

  /** The data drawn, for tests and debugging. */
  get values(): number[][] {
    return this.data.map((a) => Array.from(a as ArrayLike<number>));
  }
}
