import type { Pair } from '../validate.js';

/** tfjs's explicit pad argument: [[0, 0], [top, bottom], [left, right], [0, 0]]. */
export type Explicit = [[number, number], [number, number], [number, number], [number, number]];

/** tfjs's pad argument for torch's symmetric [ph, pw] padding. */
export function explicitPadding([ph, pw]: Pair): Explicit | 'valid' {
  return ph === 0 && pw === 0 ? 'valid' : [[0, 0], [ph, ph], [pw, pw], [0, 0]];
}

/** torch's 'same': d·(k − 1) in all per axis, the odd one at the bottom/right. */
export function samePadding([kh, kw]: Pair, [dh, dw]: Pair): Explicit | 'valid' {
  const split = (total: number): [number, number] => [Math.floor(total / 2), total - Math.floor(total / 2)];
  const [th, tw] = [dh * (kh - 1), dw * (kw - 1)];
  if (th === 0 && tw === 0) return 'valid';
  return [[0, 0], split(th), split(tw), [0, 0]];
}
