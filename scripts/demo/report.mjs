// What `npm run demo` prints after the act run: each step and its outputs, the job summaries
// (written to a file, since act only prints them), and what actually changed in the emulated
// account: the bucket listing with headers, the services' task definitions and images, the
// CloudFront invalidations.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CloudFrontClient, GetInvalidationCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parse } from 'yaml';
import { DEMO, DEMO_CREDENTIALS, DEMO_TASK_COUNTS_NOTE } from './seed.mjs';

const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (text) => (tty ? `\u001b[${code}m${text}\u001b[0m` : text);
const bold = paint('1');
const dim = paint('2');
const green = paint('32');
const red = paint('31');
const yellow = paint('33');

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => `   ${r.map((c, i) => String(c).padEnd(widths[i])).join('  ')}`.trimEnd()).join('\n');
}

const clip = (text, max = 90) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The job's steps in workflow order (act reports steps it never ran first, while fetching). */
function inWorkflowOrder(run, workflowFile, job) {
  const steps = parse(readFileSync(workflowFile, 'utf8')).jobs?.[job]?.steps ?? [];
  const order = new Map(steps.map((step, index) => [step.id ?? String(index), index]));
  return [...run.steps].sort((a, b) => (order.get(a.id) ?? 1e9) - (order.get(b.id) ?? 1e9));
}

export async function report({ run, seed, moto, out, root, sha, workflowFile }) {
  const say = (text = '') => console.log(text);
  const config = { endpoint: moto.endpoint, region: DEMO.region, forcePathStyle: true, credentials: DEMO_CREDENTIALS };
  const succeeded = run.jobs.deploy === 'success';

  say(`\n${bold('4. What each step did')}`);
  const steps = inWorkflowOrder(run, workflowFile, 'deploy');
  for (const step of steps) {
    if (step.result === undefined) {
      say(dim(`   – ${step.name} (skipped: GitHub-only under act, or after a failure)`));
      continue;
    }
    say(`   ${step.result === 'success' ? green('✓') : red('✗')} ${step.name}`);
    for (const [name, value] of Object.entries(step.outputs)) say(dim(`       ${name} = ${clip(value)}`));
    for (const annotation of step.annotations.filter((a) => a.level !== 'notice'))
      say((annotation.level === 'error' ? red : yellow)(`       ${annotation.level}: ${clip(annotation.message, 200)}`));
  }

  // Job summaries: act prints them in its log but keeps no file; collect them per step.
  const summaries = steps
    .filter((s) => s.summary.trim())
    .map((s) => `## ${s.name}\n\n${s.summary.trim()}\n`)
    .join('\n');
  const summaryFile = path.join(out, 'job-summary.md');
  writeFileSync(summaryFile, `# Job summaries: deploy (commit ${sha.slice(0, 12)})\n\n${summaries || '_No step wrote a summary._\n'}`);

  say(`\n${bold('5. What is in the emulated AWS account now')}`);
  const s3 = new S3Client(config);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: DEMO.bucket }));
  const rows = [['key', 'bytes', 'Cache-Control', 'Content-Type']];
  for (const object of listed.Contents ?? []) {
    const head = await s3.send(new HeadObjectCommand({ Bucket: DEMO.bucket, Key: object.Key }));
    rows.push([object.Key, object.Size ?? 0, head.CacheControl ?? '-', head.ContentType ?? '-']);
  }
  say(`   s3://${DEMO.bucket}`);
  say(table(rows));
  const stale = seed.previousFrontend.filter((key) => /^assets\//.test(key) && !(listed.Contents ?? []).some((o) => o.Key === key));
  if (stale.length) say(dim(`   (previous release's ${stale.join(', ')} deleted)`));
  const kept = seed.previousFrontend.filter((key) => /^assets\//.test(key) && (listed.Contents ?? []).some((o) => o.Key === key));
  if (kept.length)
    say(dim(`   (previous release's ${kept.join(', ')} kept for s3-sync-frontend's delete-grace: open tabs may still load it)`));

  const ecs = new ECSClient(config);
  const services = await ecs.send(new DescribeServicesCommand({ cluster: DEMO.cluster, services: Object.keys(DEMO.services) }));
  const serviceRows = [['service', 'task definition', 'image', 'tasks (running/desired)']];
  for (const service of services.services ?? []) {
    const definition = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition }));
    const family = `${definition.taskDefinition?.family}:${definition.taskDefinition?.revision}`;
    const image = clip(definition.taskDefinition?.containerDefinitions?.[0]?.image ?? '-', 100);
    serviceRows.push([service.serviceName, family, image, `${service.runningCount ?? 0}/${service.desiredCount ?? 0}`]);
  }
  say(`\n   ECS cluster ${DEMO.cluster}`);
  say(table(serviceRows));
  say(dim(`   ${DEMO_TASK_COUNTS_NOTE}`));

  const cloudfront = new CloudFrontClient(config);
  const invalidations = await cloudfront.send(new ListInvalidationsCommand({ DistributionId: seed.distributionId }));
  say(`\n   CloudFront ${seed.distributionId} invalidations`);
  if (!invalidations.InvalidationList?.Items?.length) say('   (none)');
  for (const item of invalidations.InvalidationList?.Items ?? []) {
    const detail = await cloudfront.send(new GetInvalidationCommand({ DistributionId: seed.distributionId, Id: item.Id }));
    say(`   ${item.Id}: ${(detail.Invalidation?.InvalidationBatch?.Paths?.Items ?? []).join(' ')}`);
  }

  say(`\n${bold('6. Where to look')}`);
  say(`   job summaries   ${path.relative(root, summaryFile)}`);
  say(`   act log         ${path.relative(root, path.join(out, 'act.log'))}`);
  say(`   workspace       ${path.relative(root, path.join(out, 'workspace'))} (the workflow and the built frontend/dist)`);
  say(`   how it works    docs/local-testing.md`);
  say('');
  if (succeeded) {
    say(green(bold('The deploy job succeeded.')));
    return 0;
  }
  say(red(bold('The deploy job failed.')));
  for (const line of [...run.errors.map((e) => e.message), ...run.failures].slice(-8)) say(red(`   ${clip(line, 300)}`));
  say(`   The full transcript is in ${path.relative(root, path.join(out, 'act.log'))}.`);
  return 1;
}
