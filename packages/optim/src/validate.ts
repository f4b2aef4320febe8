import { InvalidArgumentError } from '@descent/core';

// torch.optim's constructor checks, with torch's wording. `label` is torch's
// (snake_case) word for the option, `parameter` our lowerCamelCase name.

function fail(parameter: string, value: unknown, message: string): never {
  throw new InvalidArgumentError(parameter, value, message);
}

export function checkLr(lr: number | undefined): void {
  if (lr === undefined) return;
  if (typeof lr !== 'number' || !(lr >= 0)) fail('lr', lr, `Invalid learning rate: ${lr}`);
}

/** `Invalid <label> value: x` unless `0 <= x` (and `x <= max` when given). */
export function checkRange(parameter: string, label: string, value: number | undefined, max?: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !(value >= 0) || (max !== undefined && !(value <= max))) fail(parameter, value, `Invalid ${label} value: ${value}`);
}

export function checkEps(eps: number | undefined): void {
  if (eps === undefined) return;
  if (typeof eps !== 'number' || !(eps >= 0)) fail('eps', eps, `Invalid epsilon value: ${eps}`);
}

/** torch: `0 <= beta < 1` (Lion's reference allows `beta <= 1`). */
export function checkBetas(betas: readonly number[] | undefined, inclusive = false): void {
  if (betas === undefined) return;
  if (!Array.isArray(betas) || betas.length !== 2) fail('betas', betas, `Invalid betas: ${JSON.stringify(betas)} (expected two numbers)`);
  betas.forEach((b, i) => {
    const ok = typeof b === 'number' && b >= 0 && (inclusive ? b <= 1 : b < 1);
    if (!ok) fail('betas', betas, `Invalid beta parameter at index ${i}: ${b}`);
  });
}
