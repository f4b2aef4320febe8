import { DownloadError, type DownloadAttempt } from './errors.js';

/** Progress of one download, for a progress bar. `total` is null when the server sends no length. */
export interface Progress {
  file: string;
  url: string;
  received: number;
  total: number | null;
}

/** How files are downloaded: the fetch, timeouts, retries and progress reports. */
export interface DownloadOptions {
  /** The fetch to use (the global one by default). */
  fetch?: typeof globalThis.fetch;
  /** Give up on a URL after this long without receiving data (30 s). */
  timeoutMs?: number;
  /** Extra tries of a URL after a network error, timeout, 5xx or truncated body (2). */
  retries?: number;
  /** Wait before a retry, doubled each time (500 ms). */
  retryDelayMs?: number;
  /** Called as data arrives, in place of the default progress bar. */
  onProgress?: (progress: Progress) => void;
}

// Internal signals, caught by downloadFirst and listed in its DownloadError.
/** An error worth retrying on the same URL. */
class Transient extends Error {}
/** A 4xx answer: not retried, the next URL is tried. */
class Refused extends Error {}

async function fetchOnce(url: string, file: string, options: DownloadOptions): Promise<Uint8Array> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const controller = new AbortController();
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
  };
  arm();
  let received = 0;
  let total: number | null = null;
  try {
    const response = await doFetch(url, { signal: controller.signal });
    if (!response.ok) {
      const reason = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 500 || response.status === 429) throw new Transient(reason);
      throw new Refused(reason);
    }
    const length = response.headers.get('content-length');
    // With a Content-Encoding, fetch hands over the decoded body but Content-Length
    // counts the encoded bytes (sirv and vite preview send .gz files so): no total then.
    const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
    total = !encoded && length !== null && /^\d+$/.test(length) ? Number(length) : null;
    const chunks: Uint8Array[] = [];
    if (!response.body) throw new Transient('empty response body');
    const reader = response.body.getReader();
    for (;;) {
      arm();
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.byteLength;
      options.onProgress?.({ file, url, received, total });
    }
    if (total !== null && received !== total) throw new Transient(`truncated: received ${received} of ${total} bytes`);
    const out = new Uint8Array(received);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  } catch (err) {
    if (err instanceof Transient || err instanceof Refused) throw err;
    if (timedOut) throw new Transient(`timed out after ${timeoutMs} ms without data${received ? ` (received ${received}${total !== null ? ` of ${total}` : ''} bytes)` : ''}`);
    // A body cut short surfaces as a network error from the stream.
    const cause = (err as Error & { cause?: Error }).cause?.message;
    const message = `${(err as Error).message}${cause ? ` (${cause})` : ''}`;
    if (received > 0 && total !== null) throw new Transient(`truncated: connection closed after ${received} of ${total} bytes: ${message}`);
    throw new Transient(`network error: ${message}`);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Downloads `file` from the first of `urls` that delivers bytes `accept` takes
 * (it checks them and throws if they are corrupt). Transient failures are
 * retried; a 4xx or a corrupt file moves on to the next URL. Throws a
 * {@link DownloadError} listing every attempt when all fail.
 */
export async function downloadFirst<T>(file: string, urls: readonly string[], accept: (bytes: Uint8Array, url: string) => Promise<T>, options: DownloadOptions = {}): Promise<T> {
  const retries = options.retries ?? 2;
  const attempts: DownloadAttempt[] = [];
  for (const url of urls) {
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep((options.retryDelayMs ?? 500) * 2 ** (attempt - 1));
      let bytes: Uint8Array;
      try {
        bytes = await fetchOnce(url, file, options);
      } catch (err) {
        attempts.push({ url, reason: (err as Error).message });
        if (err instanceof Transient && attempt < retries) continue;
        break;
      }
      try {
        return await accept(bytes, url);
      } catch (err) {
        const message = (err as Error).message;
        attempts.push({ url, reason: message.startsWith(`${url}: `) ? message.slice(url.length + 2) : message });
        break;
      }
    }
  }
  throw new DownloadError(file, attempts);
}
