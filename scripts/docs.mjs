// The API reference: TypeDoc over every published package's entry points (their src/, through
// tsconfig.docs.json's paths, so links cross packages), written as a static HTML site to docs/api/.
// Fails when an exported symbol has no doc comment, or a {@link} points nowhere.
//
//   node scripts/docs.mjs              build docs/api/ (npm run docs)
//   node scripts/docs.mjs --out DIR    build elsewhere
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publishedPackages, root } from './release-packages.mjs';

/** The output folder of `npm run docs` (gitignored). */
export const DOCS_OUT = join(root, 'docs', 'api');

/** `./dist/x.js` (or `.d.ts`, `.cjs`) in an exports map → `src/x.ts`. */
const sourceOf = (dir, target) => join(dir, target.replace(/^\.\/dist\//, 'src/').replace(/(\.d)?\.(c|m)?(js|ts)$/, '.ts'));

/** Every file an `exports` value can resolve to, with the conditions that pick it (`['node', 'import']`). */
function targets(value, conditions = []) {
  if (typeof value === 'string') return [{ file: value, conditions }];
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value)
    .filter(([condition]) => condition !== 'types' && condition !== 'require')
    .flatMap(([condition, v]) => targets(v, [...conditions, condition]));
}

/**
 * One entry point per source file a published package exports: its module name (the import specifier,
 * with the condition when a subpath has several files: `@descent/backend-webgpu (browser)`) and its file.
 */
export function docEntryPoints(packages = publishedPackages()) {
  const entries = [];
  for (const { name, dir, manifest } of packages) {
    for (const [subpath, value] of Object.entries(manifest.exports ?? {})) {
      if (subpath === './package.json') continue;
      const specifier = subpath === '.' ? name : `${name}/${subpath.slice(2)}`;
      const files = [];
      for (const t of targets(value)) {
        const file = sourceOf(dir, t.file);
        if (!files.some((f) => f.file === file)) files.push({ file, conditions: t.conditions });
      }
      for (const [i, { file, conditions }] of files.entries()) {
        if (!existsSync(file)) throw new Error(`${name}: exports ${subpath} has no source file ${relative(root, file)}`);
        // The first file is what Node's `import` gets; others are named for their condition (the portable
        // entry that non-Node runtimes get, with no condition of its own, as the browser's).
        const condition = conditions.find((c) => c !== 'import' && c !== 'default' && c !== 'node');
        entries.push({ name: i === 0 ? specifier : `${specifier} (${condition ?? 'browser'})`, file, packageName: name });
      }
    }
  }
  return entries;
}

/**
 * Builds the site into `out`; resolves to TypeDoc's counts. Throws on any error or warning, listing them (TypeDoc
 * also prints them unless `quiet`). `entries`, `tsconfig` and `readme` default to the repository's (a test builds a
 * small project of its own with them).
 */
export async function buildDocs({
  out = DOCS_OUT,
  entries = docEntryPoints(),
  tsconfig = join(root, 'tsconfig.docs.json'),
  readme = join(root, 'docs', 'api-readme.md'),
  log = console.log,
  quiet = false,
} = {}) {
  const { Application, Converter, Logger, LogLevel, ReflectionKind } = await import('typedoc');
  const byFile = new Map(entries.map((e) => [resolve(e.file), e.name]));
  const started = performance.now();
  const app = await Application.bootstrapWithPlugins({
    name: 'Descent',
    entryPoints: entries.map((e) => e.file),
    entryPointStrategy: 'resolve',
    tsconfig,
    readme,
    out,
    // `npm run build` typechecks every package; here the compiler's checker only resolves symbols.
    skipErrorChecking: true,
    excludePrivate: true,
    excludeInternal: true,
    excludeExternals: true,
    sort: ['kind', 'instance-first', 'alphabetical-ignoring-documents'],
    githubPages: false,
    // No repository URL to link sources to (the packages name none).
    disableSources: true,
    hideGenerator: true,
    // Modules by their full import name (`@descent/core/testing`), not folded into an `@descent` folder.
    navigation: { includeFolders: false },
    validation: { notExported: false, invalidLink: true, rewrittenLink: true, notDocumented: true, unusedMergeModuleWith: true },
    // Every top-level export and every class member needs a comment; the fields of options objects are
    // described by their interface's comment or their own.
    requiredToBeDocumented: ['Enum', 'Variable', 'Function', 'Class', 'Interface', 'TypeAlias', 'Namespace', 'Method', 'Accessor'],
    packagesRequiringDocumentation: [...new Set(entries.map((e) => e.packageName))],
    treatWarningsAsErrors: true,
    treatValidationWarningsAsErrors: true,
    logLevel: 'Warn',
  });
  // Every warning and error, so that a failure says what is wrong (TypeDoc also prints them).
  const problems = [];
  const print = app.logger.log.bind(app.logger);
  app.logger.log = (message, level) => {
    if (level >= LogLevel.Warn) problems.push(message.replace(/\x1b\[[0-9;]*m/g, ''));
    // The base class only counts (TypeDoc fails on the counts); the console logger also prints.
    if (quiet) Logger.prototype.log.call(app.logger, message, level);
    else print(message, level);
  };
  const fail = (what) => {
    const shown = problems.slice(0, 40).join('\n');
    const more = problems.length > 40 ? `\n... and ${problems.length - 40} more` : '';
    return new Error(`${what}: ${problems.length} problem(s)\n${shown}${more}`);
  };
  // Modules are named for the import that reaches them, not for their path under packages/.
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Module)) return;
    const symbol = context.getSymbolFromReflection(reflection);
    const file = symbol?.declarations?.[0]?.getSourceFile().fileName;
    const name = file && byFile.get(resolve(file));
    if (name) reflection.name = name;
  });
  const project = await app.convert();
  if (!project || app.logger.hasErrors()) throw fail('TypeDoc could not convert the packages');
  app.validate(project);
  if (app.logger.hasErrors() || app.logger.hasWarnings()) throw fail('the API reference is incomplete');
  // Written next to the target and renamed, so a failed build leaves the previous site whole.
  const tmp = `${out}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(dirname(out), { recursive: true });
  await app.generateDocs(project, tmp);
  if (app.logger.hasErrors() || app.logger.hasWarnings()) {
    rmSync(tmp, { recursive: true, force: true });
    throw fail('TypeDoc could not write the site');
  }
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
  const seconds = (performance.now() - started) / 1000;
  const counts = { modules: project.children?.length ?? 0, reflections: Object.keys(project.reflections).length, seconds };
  log(`API reference: ${counts.modules} modules, ${counts.reflections} reflections in ${seconds.toFixed(1)} s -> ${out.startsWith(root) ? relative(root, out) : out}/index.html`);
  return counts;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf('--out');
  const out = at > 0 ? resolve(process.argv[at + 1]) : DOCS_OUT;
  buildDocs({ out }).catch((err) => {
    console.error(`docs: ${err.message}`);
    process.exit(1);
  });
}
