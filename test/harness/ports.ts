import { createServer, type Server } from 'node:net';

/** A TCP port free on loopback right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts `server` on a port the OS picks on loopback, and returns that port. */
export async function listenOnLoopback(server: Server): Promise<{ port: number }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0 };
}

/** Starts an HTTP `server` on loopback (listenOnLoopback) and returns the origin to reach it at. */
export async function loopbackOrigin(server: Server): Promise<string> {
  const { port } = await listenOnLoopback(server);
  return `http://127.0.0.1:${port}`;
}
