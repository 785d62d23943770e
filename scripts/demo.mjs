#!/usr/bin/env node
// `npm run demo`: the product's deploy (examples/workflows/deploy-aws.yml for the production
// environment; `npm run demo -- --one-step` runs deploy-one-step.yml, the same deploy with the
// root action) run end to end on this machine by the local runner (scripts/local/run.mjs): moto
// seeded with the demo account (frontend bucket with a previous release, CloudFormation stack +
// CloudFront distribution, ECR, ECS cluster with web, celery and celery-beat), the sample frontend
// built in the workflow's build job, everything else as `npm run local` does it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { preflight, reexecOnNode24, root, runLocal } from './local/run.mjs';

reexecOnNode24(fileURLToPath(import.meta.url));
await preflight('npm run demo');

// After the preflight: seed.mjs loads the AWS SDK, which the preflight checks is installed.
const { DEMO_TASK_COUNTS_NOTE } = await import('./demo/seed.mjs');
const oneStep = process.argv.includes('--one-step');
const workflowName = oneStep ? 'deploy-one-step.yml' : 'deploy-aws.yml';
// ALLTHRIVE_DEMO_OUT: another output folder (the tests use a temporary one).
const out = path.resolve(process.env.ALLTHRIVE_DEMO_OUT ?? path.join(root, '.tmp', 'demo'));
process.exit(
  await runLocal({
    workflowFile: path.join(root, 'examples', 'workflows', workflowName),
    // deploy-aws.yml is a reusable workflow: called here as deploy-staging-then-production.yml calls it.
    ...(oneStep ? {} : { event: 'workflow_call', inputs: { environment: 'production' } }),
    out,
    notes: [DEMO_TASK_COUNTS_NOTE],
    title: `allthrive/actions demo: examples/workflows/${workflowName} under act, against moto`,
  }),
);
