/**
 * Runs `fn` in a later macrotask, after pending I/O and timers, so work
 * queued here overlaps whatever the caller is awaiting (a GPU readback, a
 * frame). Not `setTimeout(0)`: browsers clamp nested timeouts to 4 ms.
 */
export function later(fn: () => void): void {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === 'function') {
    g.setImmediate(fn);
  } else if (typeof MessageChannel === 'function') {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      fn();
    };
    channel.port2.postMessage(null);
  } else {
    setTimeout(fn, 0);
  }
}
