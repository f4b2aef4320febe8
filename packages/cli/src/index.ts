import { parseArgs } from './args.js';
import { listSchedules, LR_USAGE, plotCommand, type Io } from './lr.js';

export { parseArgs, parseValue, type ParsedArgs } from './args.js';
export { listSchedules, plotCommand, LR_USAGE, type Io } from './lr.js';

export const USAGE = `descent: PyTorch-grade training utilities for TensorFlow.js\n\n${LR_USAGE}`;

/** Runs `descent <argv...>`; resolves to the exit code. */
export async function main(argv: string[], io?: Partial<Io>): Promise<number> {
  const full: Io = {
    out: io?.out ?? ((t) => process.stdout.write(`${t}\n`)),
    writeFile: io?.writeFile ?? (async (p, d) => (await import('node:fs/promises')).writeFile(p, d)),
  };
  const { positional, flags } = parseArgs(argv);
  const [group, command, ...rest] = positional;
  try {
    if (group === 'lr' && command === 'list') {
      listSchedules(full);
      return 0;
    }
    if (group === 'lr' && command === 'plot' && !flags.help) {
      await plotCommand({ positional: rest, flags }, full);
      return 0;
    }
    full.out(USAGE);
    return group === undefined || flags.help ? 0 : 2;
  } catch (e) {
    (io?.out ? full.out : (t: string) => process.stderr.write(`${t}\n`))(`descent: ${(e as Error).message}`);
    return 1;
  }
}
