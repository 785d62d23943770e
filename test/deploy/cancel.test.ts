import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import { DEMO, seedBackend, seedFrontend } from '../../scripts/demo/seed.mjs';
import { runBundle } from '../harness/bundle.js';
import { partsOutput, stoppedAt } from '../harness/deploy-parts.js';
import { useMoto } from '../harness/moto.js';
import { sampleFrontendDir } from '../act/helpers.js';

describe('root action bundle: cancelled during the backend wait (moto)', () => {
  // Without MOTO_ECS_SERVICE_RUNNING, moto's rollouts stay IN_PROGRESS forever: a wait that only a
  // cancellation ends.
  const moto = useMoto();

  it('stops on SIGINT, runs nothing after the backend, and says what production runs', async () => {
    await seedFrontend({ endpoint: moto.endpoint, frontendDir: sampleFrontendDir });
    const seeded = await seedBackend({ endpoint: moto.endpoint, imageTag: 'sha-cancel' });
    const workspace = mkdtempSync(path.join(tmpdir(), 'deploy-cancel-'));
    mkdirSync(path.join(workspace, 'dist', 'assets'), { recursive: true });
    writeFileSync(path.join(workspace, 'dist', 'index.html'), '<script type="module" src="/assets/app-N3wBu1ld.js"></script>');
    writeFileSync(path.join(workspace, 'dist', 'assets', 'app-N3wBu1ld.js'), 'console.log("new")');
    // a service worker is live the moment it lands: it must wait for the backend, with the HTML
    writeFileSync(path.join(workspace, 'dist', 'sw.js'), 'self.addEventListener("install", () => {})');
    const ecs = new ECSClient(moto.clientConfig);
    const result = await runBundle('deploy', {
      workspace,
      env: moto.env,
      inputs: {
        bucket: DEMO.bucket,
        cluster: DEMO.cluster,
        services: 'web,celery,celery-beat',
        image: seeded.image,
        'poll-interval': '1s',
        'migrate-command': 'python manage.py migrate --noinput',
        'migrate-mode': 'run-task',
        'stack-name': DEMO.stackName,
      },
      // Cancel once the services were updated (their rollouts never finish in moto).
      onStart: (child) => {
        const timer = setInterval(async () => {
          const described = await ecs.send(new DescribeServicesCommand({ cluster: DEMO.cluster, services: ['celery-beat'] }));
          if (described.services?.[0].taskDefinition !== seeded.taskDefinitions['celery-beat']) {
            clearInterval(timer);
            child.kill('SIGINT');
          }
        }, 100);
        child.on('exit', () => clearInterval(timer));
      },
    });
    try {
      expect(result.exitCode).toBe(1);
      expect(result.log).toContain('Received SIGINT: stopping.');
      expect(JSON.parse(result.outputs.parts)).toEqual(partsOutput(stoppedAt('backend', 'cancelled')));
      expect(result.outputs.result).toBe('cancelled');
      expect(result.outputs['production-state']).toMatch(/^Backend deploy cancelled/);
      expect(result.outputs['production-state']).toContain(
        'old HTML still live (only new content-hashed files uploaded, not referenced yet)',
      );
      const error = result.errors.at(-1)!.message;
      expect(error).toMatch(/[Cc]ancel/);
      expect(error).toContain('Production now: Backend deploy cancelled');
      // The old page is still the live one; the new bundle is uploaded but unreferenced.
      const s3 = new S3Client(moto.clientConfig);
      const html = await (await s3.send(new GetObjectCommand({ Bucket: DEMO.bucket, Key: 'index.html' }))).Body!.transformToString();
      expect(html).toContain('app-0ldRe1se.js');
      await s3.send(new GetObjectCommand({ Bucket: DEMO.bucket, Key: 'assets/app-N3wBu1ld.js' }));
      await expect(s3.send(new GetObjectCommand({ Bucket: DEMO.bucket, Key: 'sw.js' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
      expect(result.summary).toContain('Deploy: cancelled');
    } finally {
      result.cleanup();
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});
