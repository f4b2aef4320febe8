// tsup/esbuild plugin: bundle tfjs-core's gradient and chained-op registration files (which its entry does
// not load, and which Node cannot load as published: extensionless ESM) without bundling tfjs-core itself.
// Every import those files (and the internal helpers they need) make of a name tfjs-core's public entry
// exports is rewritten to the public entry, so they run on the app's engine, Tensor class and registries;
// only what the entry does not export (a few gradient ops, e.g. avgPoolGrad) is bundled, rewritten alike.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import type { Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

const require = createRequire(import.meta.url);
const DIST = dirname(require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js'));
/** The public API, from tfjs-core's Node build: the names and namespaces an import may be rewritten to. */
const tf = require('@tensorflow/tfjs-core') as Record<string, any>;

/** Internal names with a public equivalent under another form. */
const SHIMS: Record<string, string> = {
  ENGINE: '__tf.engine()',
  getGlobalTensorClass: '() => __tf.Tensor',
};
/** Internal modules imported whole (`import * as x`) that a public namespace exports whole. */
const NAMESPACES: Record<string, string> = {
  util: 'util',
  'ops/axis_util': 'backend_util',
  'ops/broadcast_util': 'backend_util',
  'ops/conv_util': 'backend_util',
  'ops/slice_util': 'slice_util',
};

function publicName(name: string): string | undefined {
  if (SHIMS[name]) return SHIMS[name];
  if (name in tf) return `__tf.${name}`;
  for (const ns of ['backend_util', 'util', 'slice_util']) if (tf[ns] && name in tf[ns]) return `__tf.${ns}.${name}`;
  return undefined;
}

export function rewriteToPublicApi(code: string, file: string): string {
  let uses = false;
  const body = code.replace(/^import (\{[^}]*\}|\* as (\w+)) from '([^']+)';[ \t]*$/gm, (line, what: string, ns: string | undefined, spec: string) => {
    const target = relative(DIST, join(dirname(file), spec)).split(sep).join('/');
    // The registration files themselves stay bundled.
    if (/^(gradients|public\/chained_ops)\//.test(target) || target === 'register_all_gradients') return line;
    if (ns) {
      if (!NAMESPACES[target]) return line;
      uses = true;
      return `const ${ns} = __tf.${NAMESPACES[target]};`;
    }
    const kept: string[] = [];
    const consts: string[] = [];
    for (const part of what.slice(1, -1).split(',').map((p) => p.trim()).filter(Boolean)) {
      const [imported, local = imported] = part.split(/\s+as\s+/);
      const pub = publicName(imported);
      if (pub) consts.push(`const ${local} = ${pub};`);
      else kept.push(part);
    }
    uses ||= consts.length > 0;
    return [...(kept.length ? [`import { ${kept.join(', ')} } from '${spec}';`] : []), ...consts].join('\n');
  });
  return uses ? `import * as __tf from '@tensorflow/tfjs-core';\n${body}` : body;
}

export const tfjsCorePublicApi: Plugin = {
  name: 'tfjs-core-public-api',
  setup(build) {
    build.onLoad({ filter: /[\\/]@tensorflow[\\/]tfjs-core[\\/]dist[\\/].*\.js$/ }, async (args: { path: string }) => ({
      contents: rewriteToPublicApi(await readFile(args.path, 'utf8'), args.path),
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};
