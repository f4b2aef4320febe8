// The TypeScript examples of the guides typecheck against the built packages, as an app's would: every ```ts
// block that is a whole program (it starts with its imports) is compiled in strict mode, with Node's export
// conditions, importing the packages by name.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const GUIDES = ['getting-started.md', 'porting-from-pytorch.md', 'mixed-precision.md', 'backends.md'];
// Inside the repository, so that the packages resolve from its node_modules as they would from an app's.
const dir = join(root, 'node_modules', '.cache', `docs-snippets-${process.pid}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Snippet {
  guide: string;
  /** The line of the guide where the code starts. */
  line: number;
  code: string;
}

/** The ```ts blocks of a guide that start with an import (the others are excerpts of a larger program). */
function programs(guide: string): Snippet[] {
  const text = readFileSync(join(root, 'docs', guide), 'utf8');
  const out: Snippet[] = [];
  for (const m of text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    const code = m[1];
    const first = code.split('\n').find((l) => l.trim() !== '' && !l.trim().startsWith('//'));
    if (!first?.startsWith('import ')) continue;
    out.push({ guide, line: text.slice(0, m.index).split('\n').length + 1, code });
  }
  return out;
}

describe('the guides’ TypeScript examples', () => {
  it('typecheck in strict mode against the built packages', () => {
    const snippets = GUIDES.flatMap(programs);
    expect(snippets.length).toBeGreaterThanOrEqual(9);
    mkdirSync(dir, { recursive: true });
    const files = snippets.map((s, i) => {
      const file = join(dir, `${s.guide.replace(/\.md$/, '')}-${i}.ts`);
      writeFileSync(file, s.code);
      return file;
    });
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      customConditions: ['node'],
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
      isolatedModules: true,
    };
    const program = ts.createProgram(files, options);
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (!d.file || d.start === undefined) return text;
      const i = files.indexOf(d.file.fileName);
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      const where = i >= 0 ? `docs/${snippets[i].guide}:${snippets[i].line + line}` : relative(root, d.file.fileName);
      return `${where}: ${text}`;
    });
    expect(problems).toEqual([]);
  });
});
