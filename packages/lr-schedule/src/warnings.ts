/** Receives every warning a scheduler gives; the default prints each distinct message once, like Python's warnings. */
export type WarningHandler = (message: string) => void;

const seen = new Set<string>();
const printOnce: WarningHandler = (message) => {
  if (seen.has(message)) return;
  seen.add(message);
  console.warn(`[descent/lr-schedule] ${message}`);
};
let handler: WarningHandler = printOnce;

/** Replaces the warning handler (`null` restores the default); returns the previous one. */
export function setWarningHandler(next: WarningHandler | null): WarningHandler {
  const prev = handler;
  handler = next ?? printOnce;
  return prev;
}

export function warn(message: string): void {
  handler(message);
}
