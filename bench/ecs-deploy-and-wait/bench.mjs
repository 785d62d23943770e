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
import { writeFileSync } from 'node:fs';
import {
  CLUSTER,
  startDeployment,
  steadyService,
  taskDefinitionArn as tdArn,
  taskDefinitionHandlers,
} from '../../test/harness/ecs-service-model.mjs';
import { IMAGE, benchArgs, fmt, median, runBundle, sdkWaitUntilStable, serveEcs } from './common.mjs';

const { runs, jsonOut } = benchArgs();

/**
 * plan: { [service]: { doneAfter?: seconds, failAfter?: seconds, rollbackAfter?: seconds } }
 * `doneAfter`: our deployment turns COMPLETED. `failAfter`: the circuit breaker marks it FAILED and
 * ECS starts a rollback, which completes `rollbackAfter` seconds after the update (service stable again).
 */
async function startFakeEcs(plan) {
  const services = new Map();
  const transitions = []; // { service, kind: 'completed'|'failed'|'rolled-back', at }
  let nextId = 7000;
  for (const name of Object.keys(plan)) services.set(name, steadyService(name, { id: `ecs-svc/${nextId++}` }));
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
    ...taskDefinitionHandlers(IMAGE),
    UpdateService: (body) => {
      const s = services.get(body.service);
      const id = `ecs-svc/${nextId++}`;
      startDeployment(s, { id, taskDefinition: body.taskDefinition });
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

  const server = await serveEcs(handlers, (op, body) => ({ services: body.services?.length ?? 0 }));
  return { ...server, transitions };
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
  const started = Date.now();
  const { exitCode, verdicts } = await runBundle(fake.endpoint, {
    cluster: CLUSTER,
    services: Object.keys(plan).join(','),
    image: IMAGE,
    'poll-interval': pollInterval,
    timeout: '10m',
  });
  await fake.close();
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
  const started = Date.now();
  const { verdict, at } = await sdkWaitUntilStable(fake.endpoint, Object.keys(plan), 600);
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
