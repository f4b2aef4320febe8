/** float32's machine epsilon, torch's `torch.finfo(torch.float32).eps`: Adafactor's `eps1` when it is `null`. */
export const FLOAT32_EPS = 2 ** -23;

/** Whether a parameter's second moment is factored: torch factors every gradient of rank > 1 over its last two axes. */
export function isFactored(shape: readonly number[]): boolean {
  return shape.length > 1;
}
