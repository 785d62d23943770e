import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import { runBundle, type BundleResult } from '../harness/bundle.js';
import { closeAfterEach } from '../harness/close-after-each.js';
import { useMoto } from '../harness/moto.js';
import { BUCKET, createBucket, makeSite, SITE_V1 } from '../s3-sync-frontend/helpers.js';
import { fakeEcsEnv, startTinyEcs } from './ecs-fake.js';

// Issue 19.1: text the action did not write (S3 keys, ECS service events) reached the log raw, and
// the runner obeys a workflow command in it. What the runner treats as a command
// (actions/runner src/Runner.Common/ActionCommand.cs): TryParseV2 trims the line with .NET
// String.TrimStart() (Char.IsWhiteSpace: Unicode White_Space, U+0085 included) and then looks for
// a leading `::`; TryParse (the older form) finds `##[` anywhere in the line. The runner splits
// stdout into lines at \r, \n and \r\n (StreamReader.ReadLine in src/Runner.Sdk/ProcessInvoker.cs).
const HOSTILE = ['::add-mask::leaked', '##[error]from a remote', '\u0085::error::from a remote', '\u2003::warning::from a remote'];

/** Every line the runner would treat as a command, by its own two parsers. */
function runnerCommands(stdout: string): string[] {
  return stdout
    .split(/\r\n|\r|\n/)
    .filter((line) => /^[\s\u0085]*::/.test(line) || line.includes('##['))
    .map((line) => line.trimStart());
}

function expectNoInjectedCommands(run: BundleResult): void {
  const commands = runnerCommands(run.stdout);
  // Only what the action itself issues: its annotations, groups and debug lines (data escaped by @actions/core).
  for (const command of commands) expect(command).toMatch(/^::(error|warning|notice|debug|group|endgroup)[ :]/);
  expect(commands.filter((c) => /^::add-mask::|^##\[/.test(c))).toEqual([]);
  expect(run.annotations.filter((a) => a.message.startsWith('from a remote'))).toEqual([]);
  // C1 control characters never reach the log.
  expect(run.stdout).not.toMatch(/[\u0080-\u009f]/);
}

describe('workflow commands in remote text are neutralised in the log', () => {
  const moto = useMoto();

  it('s3-sync-frontend: hostile keys in the bucket, listed for deletion', async () => {
    await createBucket(moto);
    const s3 = new S3Client(moto.clientConfig);
    for (const name of HOSTILE) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `app/${name}.html`, Body: 'x' }));
    const workspace = makeSite(SITE_V1);
    const run = await runBundle('s3-sync-frontend', {
      inputs: { bucket: BUCKET, prefix: 'app', delete: 'true', 'dry-run': 'true' },
      env: moto.env,
      workspace,
    });
    try {
      expect(run.exitCode).toBe(0);
      // The keys are still named, readably (a zero-width space splits the command marker).
      expect(run.log).toContain('add-mask::leaked.html');
      expect(run.log).toContain('[error]from a remote.html');
      expectNoInjectedCommands(run);
    } finally {
      run.cleanup();
    }
  });
});

describe('ECS service events', () => {
  const closing = closeAfterEach();

  it('ecs-deploy-and-wait: hostile event messages during the wait', async () => {
    const fake = closing(await startTinyEcs({ events: (name) => HOSTILE.map((message) => `(service ${name}) ${message}\r${message}`) }));
    const run = await runBundle('ecs-deploy-and-wait', {
      inputs: { cluster: 'prod', services: 'web', 'poll-interval': '1s', timeout: '1m' },
      env: fakeEcsEnv(fake),
    });
    try {
      expect(run.stdout).toContain('add-mask::leaked');
      expectNoInjectedCommands(run);
    } finally {
      run.cleanup();
    }
  });
});
