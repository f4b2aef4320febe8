// A loopback HTTP server (127.0.0.1 only) serving real MNIST-format files, with
// routes that fail in each way a mirror can fail.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MirrorServer {
  base: string;
  /** Requests per route ("ok", "404", ...). */
  hits: Record<string, number>;
  close(): Promise<void>;
}

/**
 * Routes, `/<route>/<dataset>/<file>`, `files` keyed by `<dataset>/<file>`:
 * ok: the file; raw: only raw files (the .gz name is 404); 404; wrong: `wrong[file]`, valid gzip of other bytes;
 * encoded: `<name>.gz` sent with Content-Encoding: gzip and the gzip's Content-Length (as sirv and vite preview do);
 * truncated: half the body under a full Content-Length, then the connection drops;
 * slow: headers never come; flaky: 503 on the first request for each file, then the file;
 * stall: headers and a little data, then nothing.
 */
export async function startMirror(files: Record<string, Uint8Array>, wrong: Record<string, Uint8Array>): Promise<MirrorServer> {
  const hits: Record<string, number> = {};
  const flakySeen = new Set<string>();
  const send = (res: ServerResponse, body: Uint8Array) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  };
  const server: Server = createServer((req, res) => {
    const [, route, ...rest] = (req.url ?? '').split('/');
    const name = rest.join('/');
    hits[route] = (hits[route] ?? 0) + 1;
    const body = files[name];
    if (!body && route !== 'wrong') return void res.writeHead(404, 'Not Found').end();
    switch (route) {
      case 'ok':
        return send(res, body);
      case 'encoded':
        if (!name.endsWith('.gz')) return void res.writeHead(404, 'Not Found').end();
        res.writeHead(200, { 'content-type': 'application/gzip', 'content-encoding': 'gzip', 'content-length': body.length });
        return void res.end(body);
      case 'raw':
        return body && !name.endsWith('.gz') ? send(res, body) : void res.writeHead(404, 'Not Found').end();
      case 'wrong':
        return wrong[name] ? send(res, wrong[name]) : void res.writeHead(404).end();
      case 'truncated':
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
        return;
      case 'slow':
        return; // never answers
      case 'stall':
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 1000));
        return;
      case 'flaky':
        if (!flakySeen.has(name)) {
          flakySeen.add(name);
          return void res.writeHead(503, 'Service Unavailable').end();
        }
        return send(res, body);
      default:
        res.writeHead(404, 'Not Found').end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
