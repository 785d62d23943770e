/**
 * The helper the local-run tests use to say "nothing is left running". An orphaned zombie is not
 * running: on this machine PID 1 never reaps it, so kill(pid, 0) alone would call a stopped Django
 * server alive (CI failed once that way, on local-ci.test.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { processExists } from './helpers.js';

describe('processExists', () => {
  it('is true for a running process and its group, false once it has exited, also while it is an unreaped orphan', async () => {
    const running = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      expect(processExists(running.pid!)).toBe(true);
      expect(processExists(-running.pid!)).toBe(true);
    } finally {
      running.kill('SIGKILL');
    }
    // A grandchild that outlives its parent shell, then exits: an orphan, reparented to PID 1 (or a subreaper).
    const shell = spawnSync('sh', ['-c', 'set -m; (sleep 0.3; exit 0) & echo $!'], { encoding: 'utf8' });
    const orphan = Number(shell.stdout.trim());
    expect(orphan).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(processExists(orphan)).toBe(false);
    expect(processExists(-orphan)).toBe(false);
  });
});
