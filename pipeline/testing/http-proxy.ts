/** A tiny HTTP proxy in front of a real server, for faults the server cannot be asked to make. */
import { createServer, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  url: string;
  /** The request body as text (form bodies), and as bytes (protobuf). */
  body: string;
  raw: Buffer;
  /** The Authorization header, for gateways a test plays. */
  authorization?: string;
}

/**
 * Calls `handle` for the n-th request (from 1) with the response and `forward`, which passes the
 * request to `target` and its answer back unchanged.
 */
export async function proxy(
  target: string,
  handle: (n: number, res: ServerResponse, forward: () => void) => void,
): Promise<{ url: string; server: Server; seen: Seen[] }> {
  let n = 0;
  const seen: Seen[] = [];
  const t = new URL(target);
  const server = createServer((req, res) => {
    res.on('error', () => {});
    const i = ++n;
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const raw = Buffer.concat(parts);
      seen.push({
        method: req.method!,
        url: req.url!,
        body: raw.toString(),
        raw,
        authorization: req.headers.authorization,
      });
      const forward = (): void => {
        const up = httpRequest(
          { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers },
          (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        up.on('error', () => req.socket.destroy());
        up.end(raw);
      };
      handle(i, res, forward);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

export function closeProxy(server: Server): void {
  server.closeAllConnections();
  server.close();
}
