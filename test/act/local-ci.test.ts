/**
 * `npm run local -- examples/workflows/ci.yml --workspace test/fixtures/product`: the product's
 * pull-request pipeline, run on this machine as a user would run it against their checkout. The
 * PostgreSQL and Redis service containers become native servers (act's host mode has no Docker),
 * setup-python a venv; the fixture is a real Django project and Vite-style frontend whose
 * migrations, tests, linters and seo-validate run for real. Slow (pip and npm installs): one run,
 * checked for everything a user would look at.
 */
import { mkdtempSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { stripVTControlCharacters } from 'node:util';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireBundles } from '../harness/act.js';
import { expectRunSucceeded, processExists as exists, runScript, type ScriptResult } from './helpers.js';

/** Whether anything answers on a loopback port. */
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('npm run local -- examples/workflows/ci.yml', () => {
  let out: string;
  let result: ScriptResult;
  beforeAll(async () => {
    requireBundles('seo-validate');
    out = mkdtempSync(path.join(tmpdir(), 'local-ci-'));
    result = await runScript('local.mjs', ['examples/workflows/ci.yml', '--workspace', 'test/fixtures/product', '--out', out]);
    // Django and pytest colour their output under act (it gives steps a terminal); read it plain.
    result.stdout = stripVTControlCharacters(result.stdout);
  }, 600_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs every step of the pipeline on the fixture product, and says what stood in for what', () => {
    expectRunSucceeded(result, ['test']);
    const steps = [
      'actions/checkout@',
      'actions/setup-python@',
      'Install Python dependencies',
      'Wait for PostgreSQL',
      'Django checks and migrations',
      'Backend lint (ruff) and security scan (bandit)',
      'Django tests',
      'Security tests',
      'actions/setup-node@',
      'Install frontend dependencies',
      'ESLint',
      'TypeScript type check',
      'Frontend unit tests (Vitest)',
      'Validate SEO endpoints',
    ];
    const report = result.stdout.slice(result.stdout.indexOf('4. What each step did'));
    for (const step of steps) expect(report).toContain(`✓ ${step}`);
    expect(report).not.toMatch(/✗|skipped/);
    expect(result.stdout).toContain('workspace ');
    expect(result.stdout).toContain('(scratch: the workflow and a copy of test/fixtures/product)');
    expect(result.stdout).toMatch(
      /replaced service postgres \(postgres:18\): PostgreSQL \d+\.\d+.* \(throwaway cluster, user allthrive, database allthrive_ai\) on localhost:5432, pid \d+/,
    );
    expect(result.stdout).toMatch(/replaced service redis \(redis:7\): redis-server [\d.]+ \(no persistence\) on localhost:6379, pid \d+/);
    expect(result.stdout).toMatch(/replaced actions\/setup-python@5fda3b95\w+: a fresh venv/);
    expect(result.stdout).toMatch(
      /local stand-in for actions\/setup-python@\w+: Python 3\.\d+\.\d+ \(.+\) in a fresh venv .+, first on PATH; pip's download cache kept in /,
    );
  });

  it('migrates into the stand-in PostgreSQL and tests against it and Redis', () => {
    expect(result.stdout).toContain('Applying core.0001_initial... OK');
    // The services' state, read before they were stopped: migrate's tables are in the database the service env named.
    expect(result.stdout).toMatch(
      /postgres \(postgres:18, localhost:5432\): database allthrive_ai: tables core_signup, django_content_type, django_migrations, django_site/,
    );
    // Django's tests: one stores a row in PostgreSQL, one round-trips the cache through Redis.
    expect(result.stdout).toMatch(/Ran 3 tests in [\d.]+s\n\s+\|\s*\n\s+\| OK/);
    expect(result.stdout).toMatch(/2 passed/); // pytest tests/security
  });

  it('validates robots.txt, the sitemap, ai-plugin.json and llms.txt served by Django, and reports its outputs', () => {
    expect(result.stdout).toContain('Sitemaps: 1 file(s), 3 URL(s) on https://allthrive.ai');
    expect(result.stdout).toContain('Requesting 3 of 3 sitemap URL(s)');
    const outputs = /✓ Validate SEO endpoints\n((?:\s+[\w-]+ = .*\n)+)/.exec(result.stdout)?.[1] ?? '';
    expect(outputs).toMatch(/errors = 0\n/);
    expect(outputs).toMatch(/warnings = 0\n/);
    expect(outputs).toMatch(/report = \S+\/report\.json\n/);
    const summary = readFileSync(path.join(out, 'job-summary.md'), 'utf8');
    for (const file of ['robots.txt', 'sitemap.xml', '.well-known/ai-plugin.json', 'llms.txt'])
      expect(summary).toContain(`<td>http://localhost:8000/${file}</td><td>200</td>`);
    expect(summary).toContain('Passed: 0 error(s), 0 warning(s)');
  });

  it('leaves no PostgreSQL, Redis or Django server running, and deletes the services’ files', async () => {
    const pids = [...result.stdout.matchAll(/replaced service \w+ .*, pid (\d+), files in (\S+)/g)];
    expect(pids).toHaveLength(2);
    for (const [, pid, dir] of pids) {
      expect(exists(Number(pid))).toBe(false);
      expect(existsSync(dir)).toBe(false);
    }
    const server = /Started `python manage\.py runserver [^`]+` \(process group (\d+)\)/.exec(result.stdout);
    expect(server).not.toBeNull();
    expect(exists(-Number(server![1]))).toBe(false);
    expect(await Promise.all([5432, 6379, 8000].map(listening))).toEqual([false, false, false]);
    expect(result.stdout).toMatch(/services stopped \(postgres pid \d+, redis pid \d+\); their data is deleted\.\nmoto stopped\.\s*$/);
  });
});
