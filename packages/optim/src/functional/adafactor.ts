/** float32's machine epsilon, torch's `torch.finfo(torch.float32).eps`: Adafactor's `eps1` when it is `null`. */
export const FLOAT32_EPS = 2 ** -23;

/** Whether a parameter's second moment is factored: torch factors every gradient of rank > 1 over its last two axes. */
export function isFactored(shape: readonly number[]): boolean {
  return shape.length > 1;
}

/** The row and column factors' shapes: the last axis, or the one before it, reduced to 1. */
export function factorShapes(shape: readonly number[]): { row: number[]; col: number[] } {
  const row = [...shape];
  row[row.length - 1] = 1;
  const col = [...shape];
  col[col.length - 2] = 1;
  return { row, col };
}
