/**
 * Start-up cost every step pays: no bundle may evaluate undici when it starts. @actions/core (through
 * @actions/http-client) and @actions/github both import it at load, with Octokit and exec helpers
 * no action uses; the toolkit writes the runner protocol and reads the run context itself instead
 * (about 50 ms of CPU per step: `node bench/startup/run.mjs`). Evaluated undici is visible from
 * outside: on load it installs its global dispatcher under Symbol.for('undici.globalDispatcher.1'),
 * which Node's own fetch only does on first use.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { runBundle } from '../harness/bundle.js';

const dir = mkdtempSync(path.join(tmpdir(), 'startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Loaded with --import before the bundle; records at exit whether undici's global dispatcher exists.
const probe = path.join(dir, 'probe.mjs');
writeFileSync(
  probe,
  `import { writeFileSync } from 'node:fs';
process.on('exit', () => writeFileSync(process.env.STARTUP_PROBE_OUT, String(globalThis[Symbol.for('undici.globalDispatcher.1')] !== undefined)));
`,
);

describe('bundle start-up', () => {
  it.each(['s3-sync-frontend', 'cloudfront-invalidate', 'ecs-deploy-and-wait', 'ecs-exec-migrate', 'seo-validate', 'deploy'])(
    '%s starts and fails on its missing inputs without evaluating undici',
    async (name) => {
      const out = path.join(dir, `${name}.out`);
      const result = await runBundle(name, { env: { NODE_OPTIONS: `--import=${probe}`, STARTUP_PROBE_OUT: out } });
      result.cleanup();
      // It really started: the toolkit read the inputs and named what is missing.
      expect(result.exitCode).toBe(1);
      expect(result.errors.length).toBeGreaterThan(0);
      expect(readFileSync(out, 'utf8')).toBe('false');
    },
  );
});
