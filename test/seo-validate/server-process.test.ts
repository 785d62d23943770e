/**
 * withStartedServer on its own, with real processes: the process tree is stopped when the checks
 * fail, and a command that ignores SIGTERM gets SIGKILL after the grace period.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { memoryLogger, systemClock } from '@allthrive/toolkit';
import { fetchResource, processGroupAlive, withStartedServer } from '@allthrive/seo-validate';
import { startSite, type Site } from './site-server.js';

let dir: string;
let site: Site | undefined;
afterEach(async () => {
  rmSync(dir, { recursive: true, force: true });
  await site?.close();
  site = undefined;
});

/** The pids the command wrote to pids.txt, and whether `ps` still lists each (zombies excluded). */
function stillRunning(file: string): number[] {
  const pids = readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
  const listing = spawnSync('ps', ['-A', '-o', 'pid=,stat='], { encoding: 'utf8' }).stdout;
  const alive = new Set(
    listing
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter(([, stat]) => stat && !stat.startsWith('Z'))
      .map(([pid]) => Number(pid)),
  );
  return pids.filter((pid) => alive.has(pid));
}

async function waitFor(file: string): Promise<void> {
  for (let i = 0; i < 200 && !existsSync(file); i++) await systemClock.sleep(25);
}

describe('withStartedServer', () => {
  it('stops the whole process tree when the checks fail, and prints its output in a group', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'seo-proc-'));
    site = await startSite();
    const logger = memoryLogger();
    // The output comes before pids.txt, so it exists when the checks fail (they wait for pids.txt).
    const command = `sleep 600 & echo $! > pids.txt.tmp; echo $$ >> pids.txt.tmp; echo server says hello; mv pids.txt.tmp pids.txt; wait`;
    const run = withStartedServer(
      { command, cwd: dir, url: site.url, waitTimeoutMs: 10_000, userAgent: 'test', getter: fetchResource, logger, clock: systemClock },
      async () => {
        await waitFor(path.join(dir, 'pids.txt'));
        expect(stillRunning(path.join(dir, 'pids.txt'))).toHaveLength(2);
        throw new Error('a check failed');
      },
    );
    await expect(run).rejects.toThrow('a check failed');
    expect(stillRunning(path.join(dir, 'pids.txt'))).toEqual([]);
    const text = logger.text();
    expect(text).toContain('Output of the start command\nserver says hello');
  });

  it('a command that ignores SIGTERM gets SIGKILL after the grace period, with a warning', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'seo-proc-'));
    site = await startSite();
    const logger = memoryLogger();
    const command = `trap '' TERM; echo $$ > pids.txt; while true; do sleep 0.1; done`;
    let group = 0;
    await withStartedServer(
      {
        command,
        cwd: dir,
        url: site.url,
        waitTimeoutMs: 10_000,
        userAgent: 'test',
        getter: fetchResource,
        logger,
        clock: systemClock,
        graceMs: 300,
      },
      async () => {
        await waitFor(path.join(dir, 'pids.txt'));
        group = Number(readFileSync(path.join(dir, 'pids.txt'), 'utf8'));
      },
    );
    expect(processGroupAlive(group)).toBe(false);
    expect(stillRunning(path.join(dir, 'pids.txt'))).toEqual([]);
    expect(logger.entries.filter((e) => e.level === 'warning').map((e) => e.message)).toEqual([
      `The start command was still running 300ms after SIGTERM; sent SIGKILL to its process group ${group}.`,
    ]);
  });
});
