// MNIST from the page's own server (see mnist-data-plugin.ts), fetched and
// checked by @descent/datasets-mnist's browser source: sha256 of every file,
// gunzip through DecompressionStream.
import { MNIST } from '@descent/datasets-mnist';

export interface LoadProgress {
  received: number;
  total: number;
}

export async function loadMnist(onProgress: (p: LoadProgress) => void): Promise<{ train: MNIST; test: MNIST }> {
  const url = `${import.meta.env.BASE_URL}data/mnist/`;
  const received = new Map<string, { received: number; total: number }>();
  const report = (file: string, got: number, total: number | null) => {
    received.set(file, { received: got, total: total ?? got });
    let r = 0;
    let t = 0;
    for (const v of received.values()) {
      r += v.received;
      t += v.total;
    }
    onProgress({ received: r, total: t });
  };
  const options = { url, onProgress: (p: { file: string; received: number; total: number | null }) => report(p.file, p.received, p.total) };
  const [train, test] = await Promise.all([MNIST.load({ split: 'train', ...options }), MNIST.load({ split: 'test', ...options })]);
  return { train, test };
}
