/**
 * A small site on loopback for the HTTP tests and the bundle tests: serves a fixture folder with
 * real content types, plus per-path overrides (status codes, redirects, gzip, broken connections).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync, existsSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const fixtureSite = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'site');

const TYPES: Record<string, string> = {
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.gz': 'application/gzip',
  '.json': 'application/json',
  '.yaml': 'application/yaml',
};

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Site {
  url: string;
  /** Paths requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `root` (default: the fixture site) with `routes` taking precedence. Unknown paths: 404. */
export async function startSite(routes: Record<string, Handler> = {}, root: string = fixtureSite): Promise<Site> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    requests.push(url);
    const route = routes[url] ?? routes[url.split('?')[0]];
    if (route) return route(req, res);
    const pathname = decodeURIComponent(url.split('?')[0]);
    const file = path.join(root, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
    if (file.startsWith(root) && existsSync(file) && statSync(file).isFile()) {
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'text/html; charset=utf-8' });
      res.end(readFileSync(file));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Not Found</title><h1>Not Found</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const respond =
  (status: number, body: string | Buffer = '', headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };

export const redirect =
  (location: string, status = 301): Handler =>
  (_req, res) => {
    res.writeHead(status, { location });
    res.end();
  };
