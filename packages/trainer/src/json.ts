// JSON for checkpoints: numbers that JSON cannot spell (Infinity, NaN — ReduceLROnPlateau's
// starting best is Infinity) are written as {"$number": "Infinity"}. Reading is JSON.parse
// only: nothing in a checkpoint is ever evaluated as code.

/** JSON text of `value`, with non-finite numbers kept. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? { $number: String(v) } : v), 2);
}

/** Parses {@link encodeJson}'s output; throws the parser's SyntaxError on malformed text. */
export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, v) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof v.$number === 'string') {
      const n = Number(v.$number);
      if (Number.isNaN(n) && v.$number !== 'NaN') return v;
      return n;
    }
    return v;
  });
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
