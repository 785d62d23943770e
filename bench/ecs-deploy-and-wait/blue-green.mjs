#!/usr/bin/env node
// Benchmark: ecs-deploy-and-wait on ECS-native blue/green deployments (service-deployment API),
// against a scripted ECS endpoint over HTTP, compared with the AWS SDK's waitUntilServicesStable.
//
// Usage: node bench/ecs-deploy-and-wait/blue-green.mjs [--runs N] [--json out.json]
// Needs the built bundle (node scripts/build.mjs ecs-deploy-and-wait). Runs in real time (about 2
// minutes; the scenarios run concurrently).
//
// The endpoint (written here; the steady service it starts from is test/harness/ecs-service-model.mjs) keeps, per service, the service deployment the
// last UpdateService created and moves it through the blue/green lifecycle stages at scripted
// wall-clock offsets: PRE_SCALE_UP … PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME (both revisions running,
// two entries in `deployments`), CLEAN_UP, then SUCCESSFUL (one deployment left). Field names follow
// @aws-sdk/client-ecs (ServiceDeployment, Service.currentServiceDeployment). Every request is recorded.
import { writeFileSync } from 'node:fs';
import { ACCOUNT, CLUSTER, REGION, startDeployment, steadyService, taskDefinitionHandlers } from '../../test/harness/ecs-service-model.mjs';
import { IMAGE, benchArgs, fmt, median, runBundle, sdkWaitUntilStable, serveEcs } from './common.mjs';

const { runs, jsonOut } = benchArgs();

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
  const transitions = []; // { service, kind: 'traffic-shifted' | 'successful', at }
  const services = new Map();
  const deployments = new Map(); // arn -> { service, createdAt, offset }
  let nextId = 9000;
  names.forEach((name, i) => {
    services.set(name, {
      ...steadyService(name, {
        id: `ecs-svc/${nextId++}`,
        deploymentConfiguration: {
          strategy: 'BLUE_GREEN',
          bakeTimeInMinutes: 0.5,
          deploymentCircuitBreaker: { enable: false, rollback: false },
        },
      }),
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
    ...taskDefinitionHandlers(IMAGE),
    UpdateService: (body) => {
      const s = services.get(body.service);
      const id = `ecs-svc/${nextId++}`;
      // Blue/green starts the whole green revision at once: its tasks all run during the traffic shift.
      startDeployment(s, { id, taskDefinition: body.taskDefinition, running: s.desiredCount });
      const arn = `arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/${CLUSTER}/${body.service}/${id.slice(8)}`;
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

  const server = await serveEcs(handlers);
  return { ...server, transitions };
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
  const { verdicts } = await runBundle(fake.endpoint, {
    cluster: CLUSTER,
    services: names.join(','),
    image: IMAGE,
    'poll-interval': pollInterval,
    'wait-until': waitUntil,
    timeout: '5m',
  });
  await fake.close();
  const kind = waitUntil === 'traffic-shifted' ? 'traffic-shifted' : 'successful';
  const delays = fake.transitions
    .filter((t) => t.kind === kind)
    .map((t) => ({ service: t.service, verdict: verdicts[t.service]?.verdict, delayMs: (verdicts[t.service]?.at ?? NaN) - t.at }));
  return { tool: `ecs-deploy-and-wait (poll ${pollInterval}, wait-until ${waitUntil})`, kind, economy: ticks(fake.requests), delays };
}

async function runSdkWaiter(names) {
  const fake = await startFakeEcs(names);
  const { verdict, at } = await sdkWaitUntilStable(fake.endpoint, names, 300);
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
