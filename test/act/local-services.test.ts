/**
 * The stand-ins for a job's `services:` (scripts/local/services.mjs): what cannot run is refused
 * before anything starts, and what starts is real (PostgreSQL and redis-server on this machine)
 * and gone afterwards, also when a later service fails to start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { findBinaries, kindOf, planServices, startServices } from '../../scripts/local/services.mjs';
import { processExists as alive, runScript } from './helpers.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The `services:` lines of a job with postgres (this env) and redis on the given host ports. */
const postgresAndRedis = (env: string, pgPort: number, redisPort: number) =>
  [
    '      postgres:',
    '        image: postgres:18',
    `        env: ${env}`,
    `        ports: ["${pgPort}:5432"]`,
    '      redis:',
    '        image: redis:7',
    `        ports: ["${redisPort}:6379"]`,
  ].join('\n');

describe('service stand-ins', () => {
  let dir: string;
  const workflow = (name: string, services: string) => {
    const file = path.join(dir, name);
    writeFileSync(
      file,
      [
        'name: w',
        'on: push',
        'jobs:',
        '  test:',
        '    runs-on: ubuntu-latest',
        '    services:',
        services,
        '    steps:',
        '      - run: true',
        '',
      ].join('\n'),
    );
    return file;
  };
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'services-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('knows the images by repository name, whatever the tag or registry spelling', () => {
    expect(['postgres:18', 'postgres', 'docker.io/library/postgres:16-alpine', 'redis:7', 'library/redis@sha256:ab12'].map(kindOf)).toEqual(
      ['postgres', 'postgres', 'postgres', 'redis', 'redis'],
    );
    expect(kindOf('mysql:8')).toBeUndefined();
    expect(kindOf('bitnami/postgresql:16')).toBeUndefined();
  });

  it('refuses an image it has no stand-in for, and a missing server, naming the service, the image and what to install', () => {
    const file = workflow(
      'unknown.yml',
      [
        '      db:',
        '        image: mysql:8',
        '        ports: ["3306:3306"]',
        '      cache:',
        '        image: redis:7',
        '        ports: ["6379:6379"]',
      ].join('\n'),
    );
    let message = '';
    try {
      planServices(file, { find: () => undefined });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("service 'db' of job 'test' (image mysql:8): no local stand-in for this image");
    expect(message).toContain('Known images: postgres, redis');
    expect(message).toContain("service 'cache' of job 'test' (image redis:7): the stand-in needs redis-server, redis-cli on PATH");
    expect(message).toContain('`apt-get install redis-server`');
  });

  it('refuses a postgres service without a password, as the image does', () => {
    const file = workflow('nopassword.yml', ['      postgres:', '        image: postgres:18', '        ports: ["5432:5432"]'].join('\n'));
    expect(() => planServices(file, { find: (names: string[]) => Object.fromEntries(names.map((n) => [n, n])) })).toThrow(
      "service 'postgres' of job 'test' (image postgres:18): POSTGRES_PASSWORD is not set",
    );
  });

  it('plans the services of the reusable workflows a job calls', () => {
    writeFileSync(
      path.join(dir, 'caller.yml'),
      ['name: caller', 'on: push', 'jobs:', '  ci:', '    uses: ./.github/workflows/called.yml', ''].join('\n'),
    );
    workflow('called.yml', ['      db:', '        image: mysql:8'].join('\n'));
    expect(() => planServices(path.join(dir, 'caller.yml'))).toThrow("service 'db' of job 'test' (image mysql:8): no local stand-in");
  });

  it('npm run local stops before moto and act when a service cannot run', async () => {
    const file = workflow('mysql.yml', ['      db:', '        image: mysql:8'].join('\n'));
    const result = await runScript('local.mjs', [file, '--out', path.join(dir, 'out')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("The workflow's services cannot run locally:");
    expect(result.stderr).toContain("service 'db' of job 'test' (image mysql:8): no local stand-in for this image");
    expect(result.stdout).not.toContain('Starting moto');
    expect(existsSync(path.join(dir, 'out'))).toBe(false);
  });

  it('starts PostgreSQL with the service env and redis on the mapped ports, and leaves nothing behind', async () => {
    expect(findBinaries(['initdb', 'postgres', 'pg_isready', 'psql'])).toBeDefined();
    const [pgPort, redisPort] = [await freePort(), await freePort()];
    const file = workflow(
      'both.yml',
      postgresAndRedis('{ POSTGRES_USER: app, POSTGRES_PASSWORD: s3cret, POSTGRES_DB: appdb }', pgPort, redisPort),
    );
    const services = await startServices(planServices(file));
    let stopped = false;
    try {
      const [pg, redis] = services.started;
      expect(pg).toMatchObject({ id: 'postgres', port: pgPort, what: expect.stringContaining('user app, database appdb') });
      const psql = (password: string) =>
        spawnSync(
          findBinaries(['psql'])!.psql,
          ['-h', 'localhost', '-p', String(pgPort), '-U', 'app', '-d', 'appdb', '-Atc', 'SELECT current_user'],
          {
            encoding: 'utf8',
            env: { ...process.env, PGPASSWORD: password },
          },
        );
      expect(psql('s3cret').stdout.trim()).toBe('app');
      expect(psql('wrong').stderr).toContain('password authentication failed for user "app"');
      const cli = spawnSync('redis-cli', ['-p', String(redisPort), 'set', 'k', 'v'], { encoding: 'utf8' });
      expect(cli.stdout.trim()).toBe('OK');
      expect(services.describe()).toEqual([
        `postgres (postgres:18, localhost:${pgPort}): database appdb: no tables`,
        `redis (redis:7, localhost:${redisPort}): 1 keys`,
      ]);
      await services.stop();
      stopped = true;
      expect([alive(pg.pid), alive(redis.pid), existsSync(pg.dir), existsSync(redis.dir)]).toEqual([false, false, false, false]);
    } finally {
      if (!stopped) await services.stop();
    }
  });

  it('stops the services already started when a later one cannot start (its port is taken)', async () => {
    const pgPort = await freePort();
    const taken: Server = await new Promise((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => resolve(server));
    });
    const redisPort = (taken.address() as AddressInfo).port;
    const file = workflow('taken.yml', postgresAndRedis('{ POSTGRES_PASSWORD: pw }', pgPort, redisPort));
    try {
      // (A start that wrongly succeeds is stopped at once, so nothing outlives the test.)
      const outcome = await startServices(planServices(file)).then(
        async (services) => {
          await services.stop();
          return 'started';
        },
        (error: Error) => error.message,
      );
      expect(outcome).toContain(`port ${redisPort} is in use on this machine: service 'redis' (redis:7) needs it`);
      // PostgreSQL had started: it was stopped, so its port is free again.
      const free = await new Promise<boolean>((resolve) => {
        const probe = createServer()
          .once('error', () => resolve(false))
          .listen(pgPort, '127.0.0.1', () => probe.close(() => resolve(true)));
      });
      expect(free).toBe(true);
    } finally {
      taken.close();
    }
  });
});
