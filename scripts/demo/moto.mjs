// Starts moto_server (a real AWS emulator over HTTP) on a free loopback port for the demo, and stops it.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export const MOTO_VERSION = '5.2.5';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * `serverEnv` goes to the moto process (for example MOTO_ECS_SERVICE_RUNNING, which makes ECS
 * services report their rollouts COMPLETED). Resolves to { endpoint, stop() }.
 */
export async function startMoto({ serverEnv = {}, timeoutMs = 30_000, command = process.env.MOTO_SERVER ?? 'moto_server' } = {}) {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let output = '';
  let exited;
  const child = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, ...serverEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (output = (output + d).slice(-4000)));
  child.stderr.on('data', (d) => (output = (output + d).slice(-4000)));
  child.on('error', (error) => (exited = error.code === 'ENOENT' ? `${command} was not found` : error.message));
  child.on('exit', (code, signal) => (exited ??= `${command} exited with ${code ?? signal}`));
  const deadline = Date.now() + timeoutMs;
  while (!exited) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) exited = `${command} did not answer on ${endpoint}/moto-api/ within ${timeoutMs / 1000} s`;
    else await new Promise((r) => setTimeout(r, 100));
  }
  if (exited) {
    child.kill('SIGKILL');
    const error = new Error(`${exited}.\n${output.trim()}`);
    error.code = 'MOTO_START';
    throw error;
  }
  return {
    endpoint,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
