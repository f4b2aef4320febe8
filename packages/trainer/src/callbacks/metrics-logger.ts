import { InvalidArgumentError } from '@descent/core';
import type { Callback, CallbackContext } from '../callbacks.js';
import { node, writeFileAtomic, type NodeModules } from '../node.js';
import type { Logs, TrainerState } from '../state.js';

/** Options of {@link MetricsLogger}. */
export interface MetricsLoggerOptions {
  /** The folder. Default: the trainer's `outputDir`. */
  dir?: string;
  /** Default 'metrics.jsonl'; null: none. */
  jsonl?: string | null;
  /** Default 'metrics.csv'; null: none. */
  csv?: string | null;
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Every log entry as a JSON line and a CSV row. JSONL lines are appended one
 * write each; the CSV's header is the union of all keys seen, so the file is
 * rewritten atomically when a new key appears (and appended to otherwise). On a
 * resume both files are rewritten from the restored log history, so entries
 * after the checkpoint do not appear twice.
 */
export class MetricsLogger implements Callback {
  readonly jsonlName: string | null;
  readonly csvName: string | null;
  private readonly dirOption?: string;
  private dir = '';
  private rows: Logs[] = [];
  private columns: string[] = [];

  constructor(options: MetricsLoggerOptions = {}) {
    this.dirOption = options.dir;
    this.jsonlName = options.jsonl === undefined ? 'metrics.jsonl' : options.jsonl;
    this.csvName = options.csv === undefined ? 'metrics.csv' : options.csv;
  }

  /** Paths of the files, once training began. */
  get files(): { jsonl: string | null; csv: string | null } {
    const join = (n: string | null) => (n === null ? null : `${this.dir}/${n}`);
    return { jsonl: join(this.jsonlName), csv: join(this.csvName) };
  }

  private csvText(): string {
    const lines = [this.columns.map(csvCell).join(',')];
    for (const row of this.rows) lines.push(this.columns.map((c) => csvCell(row[c])).join(','));
    return `${lines.join('\n')}\n`;
  }

  private async rewrite(m: NodeModules): Promise<void> {
    if (this.jsonlName) await writeFileAtomic(m, m.path.join(this.dir, this.jsonlName), this.rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    if (this.csvName) await writeFileAtomic(m, m.path.join(this.dir, this.csvName), this.csvText());
  }

  async onTrainBegin(state: TrainerState, _logs: Logs, { trainer }: CallbackContext): Promise<void> {
    const dir = this.dirOption ?? trainer.outputDir;
    if (!dir) throw new InvalidArgumentError('dir', dir, "MetricsLogger needs a folder: MetricsLogger({ dir }) or the trainer's outputDir");
    this.dir = dir;
    this.rows = state.logHistory.map((r) => ({ ...r }));
    this.columns = [...new Set(this.rows.flatMap((r) => Object.keys(r)))];
    await this.rewrite(await node('MetricsLogger'));
  }

  async onLog(_state: TrainerState, logs: Logs): Promise<void> {
    const m = await node('MetricsLogger');
    const row = { ...logs };
    this.rows.push(row);
    if (this.jsonlName) await m.fs.appendFile(m.path.join(this.dir, this.jsonlName), `${JSON.stringify(row)}\n`);
    if (!this.csvName) return;
    const fresh = Object.keys(row).filter((k) => !this.columns.includes(k));
    if (fresh.length > 0) {
      this.columns.push(...fresh);
      await writeFileAtomic(m, m.path.join(this.dir, this.csvName), this.csvText());
    } else {
      await m.fs.appendFile(m.path.join(this.dir, this.csvName), `${this.columns.map((c) => csvCell(row[c])).join(',')}\n`);
    }
  }
}
