/**
 * The bundle's `start` / `wait-timeout` (issue 15, new capability), run like the runner runs it,
 * with a real Python HTTP server serving the fixture site from the workspace: success, a server
 * that never answers, one that exits at once, cancellation during the wait, and `host-header: site`
 * as the server sees it. After every run the server's whole process group must be gone.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { runBundle, type BundleOptions, type BundleResult } from '../harness/bundle.js';
import { freePort } from '../harness/ports.js';
import { fixtureSite } from './site-server.js';

/** The Python interpreter itself (not a version-manager shim), so the test sees its real process. */
const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

function workspace(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'seo-start-ws-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(fixtureSite, path.join(dir, 'public'), { recursive: true });
  return dir;
}

async function run(inputs: Record<string, string>, ws: string, extra: BundleOptions = {}): Promise<BundleResult> {
  // A step that leaves its server running never exits (the server holds its output pipes): the
  // harness kills it at this limit and the exit-code assertions fail, before jest's own timeout.
  const result = await runBundle('seo-validate', { inputs, workspace: ws, timeoutMs: 40_000, ...extra });
  cleanups.push(result.cleanup);
  return result;
}

/** The process group the action reported starting; throws when the log does not name one. */
function processGroup(result: BundleResult): number {
  const match = /\(process group (\d+)\)/.exec(result.stdout);
  if (!match) throw new Error(`no process group in the log:\n${result.stdout}`);
  return Number(match[1]);
}

/** Whether any process of the group is still running, as `ps` sees it (zombies, already dead, do not count). */
function groupAlive(pgid: number): boolean {
  const listing = spawnSync('ps', ['-A', '-o', 'pgid=,stat=,args='], { encoding: 'utf8' }).stdout;
  return listing
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .some(([group, stat]) => Number(group) === pgid && !stat.startsWith('Z'));
}

const serve = (port: number) => `${python} -m http.server ${port} --bind 127.0.0.1 --directory public`;

/** The bundle on a fresh workspace, starting `start(port)` for a free port and waiting `waitTimeout` for it. */
async function runStarting(start: (port: number) => string, waitTimeout: string): Promise<{ port: number; result: BundleResult }> {
  const port = await freePort();
  const inputs = { url: `http://127.0.0.1:${port}`, 'site-url': 'https://allthrive.ai', start: start(port), 'wait-timeout': waitTimeout };
  return { port, result: await run(inputs, workspace()) };
}

describe('seo-validate start / wait-timeout', () => {
  it('starts the server, waits for it, checks the site, folds its output in a group and stops it', async () => {
    const { result } = await runStarting(serve, '30s');
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.outputs.errors).toBe('0');
    expect(result.stdout).toMatch(/::group::Output of the start command/);
    expect(result.stdout).toContain('"GET /robots.txt HTTP/1.1" 200');
    expect(groupAlive(processGroup(result))).toBe(false);
  });

  it('a server that never answers: the step fails after wait-timeout, naming the url, and the server is stopped', async () => {
    // Listens (connections are accepted by the kernel) but never reads or answers a request.
    const { port, result } = await runStarting(
      (port) =>
        `${python} -c "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', ${port})); s.listen(); print('listening', flush=True); time.sleep(600)"`,
      '3s',
    );
    expect(result.exitCode).toBe(1);
    const failure = result.errors[result.errors.length - 1].message;
    expect(failure).toContain(`http://127.0.0.1:${port} did not answer within 3s`);
    expect(failure).toContain('listening');
    expect(groupAlive(processGroup(result))).toBe(false);
  });

  it('a server that exits at once: the step fails at once with its exit code and its last lines', async () => {
    // 25 lines on stdout, then the error on stderr: the last 20 lines are line 7 … line 25 and the error.
    const { result } = await runStarting(
      () =>
        `${python} -c "import sys; [print('line %d' % i, flush=True) for i in range(1, 26)]; print('django.core.exceptions.ImproperlyConfigured: SECRET_KEY', file=sys.stderr, flush=True); sys.exit(3)"`,
      '5m',
    );
    expect(result.exitCode).toBe(1);
    const failure = result.errors[result.errors.length - 1].message;
    expect(failure).toContain('exited with code 3 before');
    expect(failure).toContain('ImproperlyConfigured: SECRET_KEY');
    expect(failure).toContain('line 25');
    expect(failure).toContain('line 7\n');
    expect(failure).not.toContain('line 6\n');
  });

  it('cancellation during the wait: the step stops at once and no process of the server is left', async () => {
    const ws = workspace();
    const port = await freePort();
    const marker = path.join(ws, 'started');
    // A shell that starts a child (a process tree, not one process) and never listens.
    const tree = `${python} -c "open('started', 'w').close(); import time; time.sleep(600)" & ${python} -c "import time; time.sleep(600)"; wait`;
    const result = await run(
      { url: `http://127.0.0.1:${port}`, 'site-url': 'https://allthrive.ai', start: tree, 'wait-timeout': '5m' },
      ws,
      {
        onStart: (child) => {
          const poll = setInterval(() => {
            if (existsSync(marker)) {
              clearInterval(poll);
              child.kill('SIGINT');
            }
          }, 50);
        },
      },
    );
    expect(result.exitCode).toBe(1);
    expect(result.errors.map((e) => e.message)).toEqual([expect.stringContaining('cancelled while waiting for')]);
    expect(groupAlive(processGroup(result))).toBe(false);
  });

  it('host-header: site — the server sees Host of site-url and X-Forwarded-Proto: https', async () => {
    const ws = workspace();
    const port = await freePort();
    writeFileSync(
      path.join(ws, 'server.py'),
      [
        'import http.server, functools, sys',
        'class Handler(http.server.SimpleHTTPRequestHandler):',
        '    def do_GET(self):',
        "        with open('hosts.log', 'a') as log:",
        "            log.write('%s %s %s\\n' % (self.path, self.headers.get('Host'), self.headers.get('X-Forwarded-Proto')))",
        '        super().do_GET()',
        "handler = functools.partial(Handler, directory='public')",
        `http.server.ThreadingHTTPServer(('127.0.0.1', ${port}), handler).serve_forever()`,
      ].join('\n'),
    );
    const result = await run(
      {
        url: `http://127.0.0.1:${port}`,
        'site-url': 'https://allthrive.ai',
        start: `${python} server.py`,
        'host-header': 'site',
        checks: 'robots',
      },
      ws,
    );
    expect(result.exitCode).toBe(0);
    const seen = readFileSync(path.join(ws, 'hosts.log'), 'utf8').trim().split('\n');
    expect(seen).toContain('/robots.txt allthrive.ai https');
    expect(groupAlive(processGroup(result))).toBe(false);
  });

  it('start or wait-timeout without url is an input error, before anything runs', async () => {
    const ws = workspace();
    const result = await run({ directory: 'public', 'site-url': 'https://allthrive.ai', start: `${python} -c "open('ran', 'w')"` }, ws);
    expect(result.exitCode).toBe(1);
    expect(result.errors.map((e) => e.properties.title)).toEqual(['start']);
    expect(existsSync(path.join(ws, 'ran'))).toBe(false);
  });
});
