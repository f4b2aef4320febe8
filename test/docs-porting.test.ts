// docs/porting-from-pytorch.md's name tables: every Descent name they list is exported by the package they name
// (imported by name, from its built entry), and every torch name tools/gen_torch_api_names.py read from torch has a row.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const GUIDE = join(root, 'docs', 'porting-from-pytorch.md');
const HEADER = ['PyTorch', 'Descent', 'package', 'notes'];

interface Row {
  line: number;
  torch: string[];
  descent: string[];
  pkg: string;
  notes: string;
}

/** The backticked names of a table cell (`a`, `b.c()` -> a, b.c). */
const names = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\(.*\)$/, ''));

/** Table cells of a markdown row, split on pipes outside backticks. */
function cells(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let code = false;
  for (const ch of line.trim().replace(/^\||\|$/g, '')) {
    if (ch === '`') code = !code;
    if (ch === '|' && !code) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** Every row of every table whose header is `| PyTorch | Descent | package | notes |`. */
function mappingRows(markdown: string): Row[] {
  const lines = markdown.split('\n');
  const rows: Row[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('|') || JSON.stringify(cells(lines[i])) !== JSON.stringify(HEADER)) continue;
    for (let j = i + 2; j < lines.length && lines[j].startsWith('|'); j++) {
      const [torch, descent, pkg, notes] = cells(lines[j]);
      rows.push({ line: j + 1, torch: names(torch), descent: descent === '—' ? [] : names(descent), pkg, notes });
    }
  }
  return rows;
}

/**
 * The fully qualified torch names of a row's PyTorch cell: a name without a dot takes the module of the dotted name
 * before it (`torch.nn.ReLU`, `GELU` -> torch.nn.GELU).
 */
function qualified(torch: string[]): string[] {
  let prefix = '';
  return torch.map((n) => {
    if (n.includes('.')) {
      prefix = n.slice(0, n.lastIndexOf('.') + 1);
      return n;
    }
    return prefix + n;
  });
}

const rows = mappingRows(readFileSync(GUIDE, 'utf8'));

describe('porting-from-pytorch.md', () => {
  it('has its name tables, each row well formed', () => {
    expect(rows.length).toBeGreaterThan(120);
    for (const r of rows) {
      const where = `porting-from-pytorch.md:${r.line}`;
      expect(r.torch.length, `${where}: no PyTorch name`).toBeGreaterThan(0);
      if (r.descent.length === 0) {
        // No twin: say what to use instead.
        expect(r.pkg, `${where}: a row without a Descent name names no package`).toBe('');
        expect(r.notes.length, `${where}: a row without a Descent name says what to do instead`).toBeGreaterThan(20);
      } else {
        expect(r.pkg, `${where}: package`).toMatch(/^`@descent\/[a-z-]+(\/[a-z-]+)?`$/);
      }
    }
  });

  it('every Descent name it lists is exported by that package', async () => {
    const missing: string[] = [];
    let checked = 0;
    for (const r of rows.filter((x) => x.descent.length > 0)) {
      const pkg = r.pkg.slice(1, -1);
      const mod = (await import(pkg)) as Record<string, unknown>;
      for (const name of r.descent) {
        const [exported, member] = name.split('.');
        const value = mod[exported] as (Record<string, unknown> & { prototype?: object }) | undefined;
        const ok =
          value !== undefined &&
          (member === undefined || member in value || (typeof value === 'function' && value.prototype !== undefined && member in value.prototype));
        if (!ok) missing.push(`${name} (${pkg}, line ${r.line})`);
        checked++;
      }
    }
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThan(120);
  });

  it("has a row for every name of torch.optim, lr_scheduler, swa_utils, amp, torch.utils.data and torchvision's MNIST", () => {
    const fixture = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'torch-api-names.json'), 'utf8')) as { names: string[] };
    expect(fixture.names.length).toBeGreaterThan(60);
    const covered = new Set(rows.flatMap((r) => qualified(r.torch)));
    expect(fixture.names.filter((n) => !covered.has(n))).toEqual([]);
  });
});
