// Stand-ins for a job's `services:` (service containers). act in host mode starts no containers
// (it skips `services:` without a word: run_context.go starts them only for a job container), so
// a job that expects PostgreSQL on localhost:5432 would fail at its first query. For the images
// it knows, the local runner starts the same server as a native process on the mapped host port
// before act runs, waits until it answers (what the service's health check waits for on GitHub),
// and stops it afterwards — also when the run fails or is interrupted. Everything is checked
// before anything starts: an unknown image or a missing binary stops the run with what to install.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

/** The images the runner can stand in for, by repository name (any tag, Docker Hub's
 * `library/` and `docker.io/` spellings included), and how to install the native server. */
const KINDS = {
  postgres: {
    binaries: ['initdb', 'postgres', 'pg_isready', 'psql'],
    defaultPort: 5432,
    install:
      '`apt-get install postgresql` (Debian/Ubuntu; its binaries are in /usr/lib/postgresql/<major>/bin) or `brew install postgresql`',
  },
  redis: {
    binaries: ['redis-server', 'redis-cli'],
    defaultPort: 6379,
    install: '`apt-get install redis-server` (Debian/Ubuntu) or `brew install redis`',
  },
};

/** The kind of stand-in for an image reference (`postgres:18`, `docker.io/library/redis:7-alpine`), or undefined. */
export function kindOf(image) {
  const name = String(image)
    .replace(/@sha256:[0-9a-f]+$/, '')
    .replace(/:[\w.-]+$/, '')
    .replace(/^(?:docker\.io\/|index\.docker\.io\/|registry-1\.docker\.io\/)/, '')
    .replace(/^library\//, '');
  return Object.hasOwn(KINDS, name) ? name : undefined;
}

/** The host port a service is reached on: `host:container` → host; a bare container port (Docker
 * would pick a random host port) → the same number; no ports → the server's default port. */
function hostPort(service, kind) {
  const ports = service.ports ?? [];
  if (!ports.length) return KINDS[kind].defaultPort;
  const spec = String(ports[0]).replace(/\/tcp$/, '');
  const parts = spec.split(':'); // container | host:container | ip:host:container
  const port = parts.length === 1 ? parts[0] : parts.at(-2) || parts.at(-1);
  if (parts.length > 3 || !/^\d+$/.test(port) || !/^\d+$/.test(parts.at(-1)))
    throw new Error(`ports '${spec}' is not <host port>:<container port>`);
  return Number(port);
}

/** The jobs that run: `job` and the jobs it needs (transitively), or every job. */
function jobsToRun(jobs, job) {
  if (!job) return Object.keys(jobs);
  const wanted = new Set();
  const visit = (id) => {
    if (wanted.has(id) || !jobs[id]) return;
    wanted.add(id);
    for (const need of [jobs[id].needs ?? []].flat()) visit(need);
  };
  visit(job);
  return [...wanted];
}

/** `dir/name` for the first dir on PATH (then the usual install folders) that holds every one of `names`. */
export function findBinaries(names, { PATH = process.env.PATH ?? '', extraDirs = defaultExtraDirs() } = {}) {
  for (const dir of [...PATH.split(path.delimiter), ...extraDirs]) {
    if (dir && names.every((name) => existsSync(path.join(dir, name)))) return Object.fromEntries(names.map((n) => [n, path.join(dir, n)]));
  }
  return undefined;
}

/** Debian keeps the server binaries of PostgreSQL off PATH, in /usr/lib/postgresql/<major>/bin. */
function defaultExtraDirs() {
  const debian = '/usr/lib/postgresql';
  const majors = existsSync(debian) ? readdirSync(debian).filter((v) => /^\d+$/.test(v)) : [];
  return majors.sort((a, b) => Number(b) - Number(a)).map((major) => path.join(debian, major, 'bin'));
}

/**
 * What the workflow's jobs (`job` and its needs, or all) ask for under `services:`, checked:
 * [{ id, jobs, image, kind, port, env, binaries }]. Throws one error listing every problem (an
 * image without a stand-in, a missing binary, an expression in a service's env, two services on
 * one port) before anything starts.
 */
export function planServices(workflowFile, { job, find = findBinaries } = {}) {
  const byPort = new Map();
  const problems = [];
  // The jobs that run, with those of the local reusable workflows they call (next to the workflow,
  // as in .github/workflows/): [jobId, job].
  const jobsOf = (file, only, seen = new Set()) => {
    if (seen.has(file) || !existsSync(file)) return [];
    seen.add(file);
    const jobs = (parse(readFileSync(file, 'utf8')) ?? {}).jobs ?? {};
    return jobsToRun(jobs, only).flatMap((id) => {
      const uses = jobs[id]?.uses;
      if (typeof uses === 'string' && uses.startsWith('./.github/workflows/'))
        return jobsOf(path.join(path.dirname(file), path.basename(uses)), undefined, seen);
      return [[id, jobs[id]]];
    });
  };
  for (const [jobId, jobSpec] of jobsOf(workflowFile, job)) {
    for (const [id, service] of Object.entries(jobSpec?.services ?? {})) {
      const image = typeof service === 'string' ? service : service?.image;
      const where = `service '${id}' of job '${jobId}' (image ${image || 'none'})`;
      const kind = kindOf(image ?? '');
      if (!kind) {
        problems.push(
          `${where}: no local stand-in for this image; act in host mode runs no containers. ` +
            `Known images: ${Object.keys(KINDS).join(', ')}. Run this job on GitHub or with Docker (act without -P …=-self-hosted).`,
        );
        continue;
      }
      const env = Object.fromEntries(Object.entries(service.env ?? {}).map(([k, v]) => [k, String(v)]));
      const expression = Object.entries(env).find(([, v]) => v.includes('${{'));
      if (expression) {
        problems.push(
          `${where}: env ${expression[0]} holds an expression (${expression[1]}); the local stand-in takes literal values only.`,
        );
        continue;
      }
      let port;
      try {
        port = hostPort(service, kind);
      } catch (error) {
        problems.push(`${where}: ${error.message}`);
        continue;
      }
      const binaries = find(KINDS[kind].binaries);
      if (!binaries) {
        problems.push(`${where}: the stand-in needs ${KINDS[kind].binaries.join(', ')} on PATH; install them with ${KINDS[kind].install}.`);
        continue;
      }
      if (kind === 'postgres' && !env.POSTGRES_PASSWORD && env.POSTGRES_HOST_AUTH_METHOD !== 'trust')
        problems.push(
          `${where}: POSTGRES_PASSWORD is not set (the postgres image refuses to start without it, unless POSTGRES_HOST_AUTH_METHOD is trust).`,
        );
      const same = byPort.get(port);
      if (same && (same.kind !== kind || JSON.stringify(same.env) !== JSON.stringify(env))) {
        problems.push(`${where}: port ${port} is also taken by service '${same.id}' (${same.image}); jobs share the host's ports locally.`);
        continue;
      }
      if (same) same.jobs.push(jobId);
      else byPort.set(port, { id, jobs: [jobId], image, kind, port, env, binaries });
    }
  }
  if (problems.length) throw new Error(`The workflow's services cannot run locally:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return [...byPort.values()];
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function portFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** PostgreSQL refuses to run as root: as root, the cluster runs as the `postgres` user (or `nobody`). */
function unprivilegedUser() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const passwd = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8').split('\n') : [];
  for (const name of ['postgres', 'nobody']) {
    const entry = passwd.find((line) => line.startsWith(`${name}:`))?.split(':');
    if (entry) return { name, uid: Number(entry[2]), gid: Number(entry[3]) };
  }
  throw new Error('PostgreSQL refuses to run as root and neither a postgres nor a nobody user exists to run it as');
}

function chownTree(dir, user) {
  if (!user) return;
  chownSync(dir, user.uid, user.gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(full, user);
    else chownSync(full, user.uid, user.gid);
  }
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0)
    throw new Error(
      `${path.basename(command)} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${(result.stderr || result.stdout || '').trim()}`,
    );
  return result.stdout;
}

const tail = (file) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-15).join('\n') : '');

/** Starts a server in a process group of its own (so a Ctrl-C in the terminal reaches the runner,
 * which stops it in order), its output into `logFile`. */
function startProcess(command, args, { logFile, user, env }) {
  const log = openSync(logFile, 'a');
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: { PATH: process.env.PATH, LANG: 'C.UTF-8', ...env },
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  child.on('error', () => {}); // reported through `exited` / the readiness check
  return child;
}

/** Polls `probe` until it succeeds, the process exits, or 30 s pass. */
async function waitUntilReady(child, probe, what, logFile) {
  let exited;
  child.exited.then((status) => (exited = status));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`${what} exited (${exited}) before it answered:\n${tail(logFile)}`);
    if (probe()) return;
    await sleep(150);
  }
  throw new Error(`${what} did not answer within 30 s:\n${tail(logFile)}`);
}

const starters = {
  /** A throwaway cluster set up as the postgres image's entrypoint does: POSTGRES_USER (default
   * postgres) as superuser with POSTGRES_PASSWORD (scram-sha-256 over TCP), POSTGRES_DB (default
   * the user) created. fsync is off: nothing in it outlives the run. */
  async postgres(service, dir) {
    const { binaries, env, port } = service;
    const user = unprivilegedUser();
    const superuser = env.POSTGRES_USER || 'postgres';
    const database = env.POSTGRES_DB || superuser;
    const trust = env.POSTGRES_HOST_AUTH_METHOD === 'trust';
    const data = path.join(dir, 'data');
    writeFileSync(path.join(dir, 'pwfile'), `${env.POSTGRES_PASSWORD ?? ''}\n`);
    chownTree(dir, user);
    const asUser = user ? { uid: user.uid, gid: user.gid } : {};
    run(
      binaries.initdb,
      [
        '-D',
        data,
        '-U',
        superuser,
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
        `--auth-host=${trust ? 'trust' : 'scram-sha-256'}`,
        '--auth-local=trust',
        ...(trust ? [] : [`--pwfile=${path.join(dir, 'pwfile')}`]),
      ],
      { ...asUser, cwd: dir, env: { PATH: process.env.PATH, LANG: 'C.UTF-8' } },
    );
    rmSync(path.join(dir, 'pwfile'));
    const logFile = path.join(dir, 'server.log');
    writeFileSync(logFile, '');
    chownTree(dir, user);
    const child = startProcess(
      binaries.postgres,
      ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=localhost', '-c', 'fsync=off', '-c', 'full_page_writes=off'],
      { logFile, user },
    );
    const psql = (db, sql) =>
      run(binaries.psql, ['-h', 'localhost', '-p', String(port), '-U', superuser, '-d', db, '-v', 'ON_ERROR_STOP=1', '-Atc', sql], {
        env: { PATH: process.env.PATH, PGPASSWORD: env.POSTGRES_PASSWORD ?? '', PGCONNECT_TIMEOUT: '5' },
      });
    await waitUntilReady(
      child,
      () => spawnSync(binaries.pg_isready, ['-q', '-h', 'localhost', '-p', String(port), '-U', superuser]).status === 0,
      `PostgreSQL for service '${service.id}'`,
      logFile,
    );
    if (database !== 'postgres') psql('postgres', `CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    const version = run(binaries.postgres, ['--version'])
      .trim()
      .replace(/^postgres \(PostgreSQL\) /, '');
    return {
      child,
      stopSignal: 'SIGINT', // fast shutdown; SIGTERM would wait for every client to disconnect
      pid: Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]),
      what: `PostgreSQL ${version} (throwaway cluster, user ${superuser}, database ${database})`,
      describe: () => {
        const tables = psql(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
          .trim()
          .split('\n')
          .filter(Boolean);
        return `database ${database}: ${tables.length ? `tables ${tables.join(', ')}` : 'no tables'}`;
      },
    };
  },
  /** redis-server with persistence off, as the image runs it (no RDB snapshot, no AOF). */
  async redis(service, dir) {
    const { binaries, port } = service;
    const logFile = path.join(dir, 'server.log');
    const child = startProcess(
      binaries['redis-server'],
      ['--port', String(port), '--bind', '127.0.0.1', '-::1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
      { logFile },
    );
    const cli = (...args) => spawnSync(binaries['redis-cli'], ['-p', String(port), ...args], { encoding: 'utf8' });
    await waitUntilReady(child, () => cli('ping').stdout?.trim() === 'PONG', `redis-server for service '${service.id}'`, logFile);
    const version = /v=([\d.]+)/.exec(run(binaries['redis-server'], ['--version']))?.[1] ?? '';
    return {
      child,
      stopSignal: 'SIGTERM',
      pid: child.pid,
      what: `redis-server ${version} (no persistence)`,
      describe: () => `${cli('dbsize').stdout.trim()} keys`,
    };
  },
};

/**
 * Starts the planned services (planServices) in order; on any failure stops those already
 * started. Resolves to { started: [{ id, image, port, pid, what, jobs, dir }], describe(): lines, stop() }.
 * The caller stops them (also on Ctrl-C: scripts/local/run.mjs); if the process ends without
 * stop(), an exit hook kills them and removes their folders.
 */
export async function startServices(plan) {
  const running = [];
  const kill = (child, signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const killNow = () => {
    for (const { child, dir } of running) {
      kill(child, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  };
  let stopping;
  const stop = () =>
    (stopping ??= (async () => {
      process.off('exit', killNow);
      for (const { child, stopSignal, dir } of [...running].reverse()) {
        if (child.exitCode === null && child.signalCode === null) {
          kill(child, stopSignal);
          const timer = setTimeout(() => kill(child, 'SIGKILL'), 10_000);
          await child.exited;
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      }
    })());
  process.on('exit', killNow);
  try {
    for (const service of plan) {
      if (!(await portFree(service.port)))
        throw new Error(
          `port ${service.port} is in use on this machine: service '${service.id}' (${service.image}) needs it; stop what listens there`,
        );
      const dir = mkdtempSync(path.join(tmpdir(), `allthrive-${service.kind}-`));
      let started;
      try {
        started = await starters[service.kind](service, dir);
      } catch (error) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`service '${service.id}' (${service.image}) did not start: ${error.message}`, { cause: error });
      }
      running.push({ ...service, ...started, dir });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    started: running.map(({ id, image, port, pid, what, jobs, dir }) => ({ id, image, port, pid, what, jobs, dir })),
    describe: () =>
      running.map((s) => {
        try {
          return `${s.id} (${s.image}, localhost:${s.port}): ${s.describe()}`;
        } catch (error) {
          return `${s.id} (${s.image}, localhost:${s.port}): not readable (${error.message.split('\n')[0]})`;
        }
      }),
    stop,
  };
}
