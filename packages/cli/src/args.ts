/** `--name value`, `--name=value` and bare flags; kebab-case names become camelCase. */
export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | true>;
}

const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) {
      flags[camel(a.slice(2, eq))] = a.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      // A following token is the value unless it is itself a flag.
      if (next !== undefined && !next.startsWith('--')) {
        flags[camel(a.slice(2))] = next;
        i++;
      } else {
        flags[camel(a.slice(2))] = true;
      }
    }
  }
  return { positional, flags };
}

/** Numbers, comma lists of numbers, booleans; anything else stays a string. */
export function parseValue(v: string | true): unknown {
  if (v === true || v === 'true') return true;
  if (v === 'false') return false;
  if (v.includes(',')) return v.split(',').map((x) => parseValue(x.trim()));
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? n : v;
}
