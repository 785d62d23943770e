// The S3 servers the tools deploy to: moto (Python, the project's test emulator) and gofakes3 (Go,
// in memory, fast enough not to be the bottleneck). Each is started fresh for a block of runs, and
// its CPU time is read from /proc so the report can show who was busy.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** User + system CPU seconds of a process (all its threads), from /proc/<pid>/stat. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
  return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime (14), stime (15)
}

export const GOFAKES3 = process.env.GOFAKES3 ?? path.join(os.homedir(), 'go', 'bin', 'gofakes3');
const GOFAKES3_VERSION = 'v1.2.0';

export const BACKENDS = {
  moto: {
    label: 'moto',
    command: (port) => [process.env.MOTO_SERVER ?? 'moto_server', ['-H', '127.0.0.1', '-p', String(port)]],
    probe: '/moto-api/',
    version: () =>
      `moto ${spawnSync('python3', ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8' }).stdout.trim()} (Python, threaded server)`,
    install: 'pip install "moto[server]"',
  },
  gofakes3: {
    label: 'gofakes3',
    command: (port) => [GOFAKES3, ['-backend', 'memory', '-host', `127.0.0.1:${port}`, '-quiet']],
    probe: '/',
    version: () => `gofakes3 ${GOFAKES3_VERSION} (Go, memory backend)`,
    install: `go install github.com/johannesboyne/gofakes3/cmd/gofakes3@${GOFAKES3_VERSION}`,
  },
};

export async function startBackend(name) {
  const backend = BACKENDS[name];
  if (!backend) throw new Error(`unknown backend ${name} (known: ${Object.keys(BACKENDS).join(', ')})`);
  const port = await freePort();
  const [command, args] = backend.command(port);
  const child = spawn(command, args, { stdio: 'ignore' });
  child.on('error', () => undefined);
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null || child.pid === undefined) break;
    try {
      await fetch(`${endpoint}${backend.probe}`);
      return { name, endpoint, port, pid: child.pid, stop: () => child.kill('SIGTERM') };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not start on ${endpoint}; install it with: ${backend.install}`);
}
