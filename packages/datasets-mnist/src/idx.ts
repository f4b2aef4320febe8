import { IdxFormatError } from './errors.js';

/** IDX element types by their type code (third byte of the magic number). */
export const IDX_TYPES = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
} as const;

/** The element types an IDX file can hold, as dtype names (`'uint8'`, …, `'float64'`). */
export type IdxDType = (typeof IDX_TYPES)[keyof typeof IDX_TYPES]['dtype'];

interface IdxDataTypes {
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/** A decoded IDX file: its element type, dims and values in native byte order. */
export interface IdxArray<D extends IdxDType = IdxDType> {
  dtype: D;
  shape: number[];
  data: IdxDataTypes[D];
}

const CODE_OF: Record<IdxDType, number> = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/**
 * Parses an IDX file (the MNIST format: `00 00 <type> <ndim>`, big-endian u32
 * dims, then big-endian values). Checks the magic number, and that the dims
 * account for every byte. Bytes are not copied for u8 and i8 (the result views
 * `bytes`); wider types are converted to native byte order.
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (bytes.byteLength < 4) throw new IdxFormatError(`${source}: truncated: ${bytes.byteLength} bytes is too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) throw new IdxFormatError(`${source}: is gzip-compressed, not raw IDX; gunzip it first`);
  const type = IDX_TYPES[bytes[2] as keyof typeof IDX_TYPES];
  if (bytes[0] !== 0 || bytes[1] !== 0 || !type) {
    throw new IdxFormatError(`${source}: bad IDX magic number ${hex(magic)} (expected 0x0000TTNN with type TT one of 08, 09, 0b, 0c, 0d, 0e)`);
  }
  const ndim = bytes[3];
  if (ndim === 0) throw new IdxFormatError(`${source}: bad IDX magic number ${hex(magic)}: zero dimensions`);
  const header = 4 + 4 * ndim;
  if (bytes.byteLength < header) {
    throw new IdxFormatError(`${source}: truncated: the header of ${ndim} dims needs ${header} bytes, the file has ${bytes.byteLength}`);
  }
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i);
    shape.push(d);
    count *= d;
  }
  const expected = count * type.bytes;
  const actual = bytes.byteLength - header;
  const what = `dims [${shape.join(', ')}] of ${type.dtype}`;
  if (actual < expected) throw new IdxFormatError(`${source}: truncated: ${what} need ${expected} data bytes, the file has ${actual}`);
  if (actual > expected) throw new IdxFormatError(`${source}: ${actual - expected} unexpected bytes after the ${expected} data bytes of ${what}`);

  const at = bytes.byteOffset + header;
  switch (type.dtype) {
    case 'uint8':
      return { dtype: 'uint8', shape, data: bytes.subarray(header) };
    case 'int8':
      return { dtype: 'int8', shape, data: new Int8Array(bytes.buffer, at, count) };
    case 'int16': {
      const data = new Int16Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt16(header + 2 * i);
      return { dtype: 'int16', shape, data };
    }
    case 'int32': {
      const data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(header + 4 * i);
      return { dtype: 'int32', shape, data };
    }
    case 'float32': {
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(header + 4 * i);
      return { dtype: 'float32', shape, data };
    }
    case 'float64': {
      const data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(header + 8 * i);
      return { dtype: 'float64', shape, data };
    }
  }
}

/** Encodes an array as IDX (the inverse of {@link parseIdx}). */
export function encodeIdx(array: IdxArray): Uint8Array {
  const code = CODE_OF[array.dtype];
  if (code === undefined) throw new IdxFormatError(`encodeIdx: unknown dtype ${JSON.stringify(array.dtype)}`);
  const size = IDX_TYPES[code as keyof typeof IDX_TYPES].bytes;
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length) throw new IdxFormatError(`encodeIdx: shape [${array.shape.join(', ')}] holds ${count} values, data has ${array.data.length}`);
  const header = 4 + 4 * array.shape.length;
  const out = new Uint8Array(header + count * size);
  const view = new DataView(out.buffer);
  view.setUint32(0, (code << 8) | array.shape.length);
  array.shape.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const d = array.data;
  for (let i = 0; i < count; i++) {
    const o = header + i * size;
    switch (array.dtype) {
      case 'uint8':
        out[o] = d[i];
        break;
      case 'int8':
        view.setInt8(o, d[i]);
        break;
      case 'int16':
        view.setInt16(o, d[i]);
        break;
      case 'int32':
        view.setInt32(o, d[i]);
        break;
      case 'float32':
        view.setFloat32(o, d[i]);
        break;
      case 'float64':
        view.setFloat64(o, d[i]);
        break;
    }
  }
  return out;
}
