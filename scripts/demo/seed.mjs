// The demo AWS account, as a declarative description for scripts/local/account.mjs: the frontend
// bucket with a previous release, a CloudFront distribution and the CloudFormation stack that names
// it, an ECR repository with the image production runs now, and an ECS cluster with the product's
// services web, celery and celery-beat. `npm run local` seeds it when a workflow has no
// `<workflow>.aws.json` of its own; the workflow tests seed its frontend or backend half.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION, MOTO_ECS_SERVICE_RUNNING, registryOf, seedAccount } from '../local/account.mjs';

export { MOTO_ECS_SERVICE_RUNNING };
export const DEMO_CREDENTIALS = LOCAL_CREDENTIALS;

export const DEMO = {
  region: LOCAL_REGION,
  accountId: LOCAL_ACCOUNT_ID,
  bucket: 'production-allthrive-frontend',
  stackName: 'production-allthrive',
  cluster: 'production-allthrive-cluster',
  /** Service name → desired count, as in the product's CI/CD document. */
  services: { web: 2, celery: 2, 'celery-beat': 1 },
  repository: 'allthrive-web',
  get registry() {
    return registryOf(this.accountId, this.region);
  },
};

/** What the demo prints under the account's state (the ECS service table). */
export const DEMO_TASK_COUNTS_NOTE =
  'Tasks: web 2, celery 2, celery-beat 1 (a scheduler runs exactly once, or every periodic job runs twice). ' +
  "moto runs no containers: each service's deployment record keeps the 1/1 it was created with, so the deploy step's log says 1/1 for every service; the desired/running counts above are the services' own.";

const COMMANDS = {
  web: ['daphne', '-b', '0.0.0.0', '-p', '8000', 'config.asgi:application'],
  celery: ['celery', '-A', 'config', 'worker'],
  'celery-beat': ['celery', '-A', 'config', 'beat'],
};

/** The previous release in the bucket: one stale hashed bundle, old HTML, and public files the
 * sample frontend (`frontendDir`, its sources) has unchanged. */
function previousRelease(frontendDir) {
  return {
    'index.html': '<!doctype html><title>AllThrive AI</title><script type="module" src="/assets/app-0ldRe1se.js"></script>',
    'assets/app-0ldRe1se.js': "document.body.dataset.release = 'previous';\n",
    'robots.txt': readFileSync(path.join(frontendDir, 'public', 'robots.txt')),
    'favicon.svg': readFileSync(path.join(frontendDir, 'public', 'favicon.svg')),
  };
}

function frontendAccount(frontendDir) {
  return {
    buckets: { [DEMO.bucket]: { files: previousRelease(frontendDir) } },
    distributions: { frontend: { bucket: DEMO.bucket } },
    stacks: { [DEMO.stackName]: { outputs: { DistributionId: '${distribution:frontend}', FrontendBucketName: DEMO.bucket } } },
  };
}

function backendAccount(imageTags) {
  return {
    repositories: { [DEMO.repository]: { images: [...imageTags, 'previous'] } },
    clusters: {
      [DEMO.cluster]: {
        services: Object.fromEntries(
          Object.entries(DEMO.services).map(([service, desiredCount]) => [
            service,
            { desiredCount, image: `${DEMO.repository}:previous`, command: COMMANDS[service] },
          ]),
        ),
      },
    },
  };
}

/** The whole demo account. `imageTags`: images already in ECR besides `previous` (none when the
 * workflow's build step, or its local stand-in, pushes the new image). */
export function demoAccount({ frontendDir, imageTags = [] }) {
  return { ...frontendAccount(frontendDir), ...backendAccount(imageTags) };
}

/** The frontend half: bucket with the previous release, distribution, stack. */
export async function seedFrontend({ endpoint, frontendDir }) {
  const seeded = await seedAccount({ endpoint, account: frontendAccount(frontendDir) });
  return { distributionId: seeded.distributions.frontend, previousFrontend: Object.keys(previousRelease(frontendDir)) };
}

/** The backend half: ECR with the image the build pushed (tagged `imageTag`) and the one
 * production runs now, and the cluster with one Fargate service per process type on the latter. */
export async function seedBackend({ endpoint, imageTag }) {
  const seeded = await seedAccount({ endpoint, account: backendAccount([imageTag]) });
  return {
    image: `${DEMO.registry}/${DEMO.repository}:${imageTag}`,
    imageDigest: seeded.images[`${DEMO.repository}:${imageTag}`],
    previousImage: `${DEMO.registry}/${DEMO.repository}:previous`,
    taskDefinitions: Object.fromEntries(Object.keys(DEMO.services).map((s) => [s, seeded.taskDefinitions[`${DEMO.cluster}/${s}`]])),
    network: seeded.network,
  };
}

/** Seeds the whole demo account (see seedFrontend and seedBackend). */
export async function seedDemoAccount({ endpoint, imageTag, frontendDir }) {
  return { ...(await seedFrontend({ endpoint, frontendDir })), ...(await seedBackend({ endpoint, imageTag })) };
}
