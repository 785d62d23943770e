import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { useMoto } from '../harness/moto.js';
import { startFaultProxy, type RecordedRequest } from '../harness/fault-proxy.js';
import { loopbackOrigin } from '../harness/ports.js';
import { ACTION_NAMES, MALFORMED, hasBundle, inputKind, readInputs, type InputKind } from './lib/actions.js';
import { describeRun, runChecked, type CheckedResult } from './lib/run.js';
import { useResults } from './lib/results.js';
import { FIXTURE, IMAGE_REPO, seedBucket, seedCloudFront, seedEcs, viteSite, writeSite } from './lib/seed.js';

/**
 * Bad input, table-driven over every action's bundle: each required input missing, each
 * boolean/duration/integer/enum malformed (rows generated from action.yml, so a new input is
 * covered without editing this file), JSON malformed, exclusive inputs together, paths outside the
 * workspace, resources that do not exist. Each must exit 1 with exactly one `::error` line naming
 * the input or the resource, and the fault proxy in front of moto must have seen no mutating
 * request.
 */

const moto = useMoto({ resetEachTest: false });
const results = useResults('bad-input');

interface Row {
  /** Shown in the test name and the docs table. */
  case: string;
  /** Inputs replacing (or, with undefined, removing) the valid baseline. */
  inputs: Record<string, string | undefined>;
  /** What the single ::error line must name: an input (title or quoted in the message) or a resource. */
  names: { input?: string; anyOf?: string[]; text?: string };
  /** Rows about missing resources may reach AWS, but no mutation may succeed. */
  resource?: boolean;
}

interface ActionTable {
  /** A valid set of inputs (each row changes one thing). */
  base: Record<string, string>;
  /** Inputs whose kind is not read from the metadata defaults. */
  kinds?: Record<string, InputKind>;
  /** Extra inputs for the sanity run of the baseline (keep it short). */
  sanity?: Record<string, string>;
  /** The baseline runs to success against moto (false where moto cannot emulate the action, e.g. ECS Exec). */
  sanitySucceeds: boolean;
  rows: Row[];
}

let siteOrigin = '';
let workspace = '';

/** The same inputs mean the same backend in ecs-deploy-and-wait and the root action. */
const MISSING_ECS_RESOURCES: Row[] = [
  {
    case: 'cluster that does not exist',
    inputs: { cluster: 'no-such-cluster-reliability' },
    names: { text: 'no-such-cluster-reliability' },
    resource: true,
  },
  {
    case: 'one service that does not exist',
    inputs: { services: 'web,ghost-service' },
    names: { text: 'ghost-service' },
    resource: true,
  },
  {
    case: 'image tag that does not exist in ECR',
    inputs: { image: `${IMAGE_REPO}:no-such-tag` },
    names: { text: 'no-such-tag' },
    resource: true,
  },
];

const TABLES: Record<(typeof ACTION_NAMES)[number], ActionTable> = {
  's3-sync-frontend': {
    sanitySucceeds: true,
    base: { source: 'dist', bucket: FIXTURE.bucket, delete: 'true', 'max-attempts': '2' },
    kinds: { 'delete-grace': 'duration' },
    rows: [
      {
        case: 'source outside the workspace (a sibling folder with files)',
        inputs: { source: 'PRIVATE_SIBLING' },
        names: { input: 'source' },
      },
      { case: 'source outside the workspace (/etc)', inputs: { source: '/etc' }, names: { input: 'source' } },
      { case: 'source does not exist', inputs: { source: 'no-such-dir' }, names: { input: 'source' } },
      { case: 'source is empty', inputs: { source: 'empty' }, names: { input: 'source' } },
      { case: 'cache-control rule without a colon', inputs: { 'cache-control': 'assets/** immutable' }, names: { input: 'cache-control' } },
      {
        case: 'content-type rule without a colon',
        inputs: { 'content-type': '*.wasm application/wasm' },
        names: { input: 'content-type' },
      },
      {
        case: 'bucket that does not exist',
        inputs: { bucket: 'no-such-bucket-reliability' },
        names: { text: 'no-such-bucket-reliability' },
        resource: true,
      },
      { case: 'bucket name that is not valid', inputs: { bucket: 'Not_A_Bucket!' }, names: { anyOf: ['bucket', 'Not_A_Bucket!'] } },
    ],
  },
  'cloudfront-invalidate': {
    sanitySucceeds: true,
    base: { 'stack-name': FIXTURE.stack, paths: '/index.html', wait: 'false' },
    kinds: { paths: 'other' },
    rows: [
      {
        case: 'distribution-id and stack-name together',
        inputs: { 'distribution-id': 'E123EXAMPLE' },
        names: { anyOf: ['distribution-id', 'stack-name'] },
      },
      {
        case: 'neither distribution-id nor stack-name',
        inputs: { 'stack-name': undefined },
        names: { anyOf: ['distribution-id', 'stack-name'] },
      },
      { case: 'paths: malformed JSON array', inputs: { paths: '["/index.html", ' }, names: { input: 'paths' } },
      { case: 'paths: * in the middle of a path', inputs: { paths: '/assets/*/app.js' }, names: { input: 'paths' } },
      {
        case: 'stack that does not exist',
        inputs: { 'stack-name': 'no-such-stack-reliability' },
        names: { text: 'no-such-stack-reliability' },
        resource: true,
      },
      {
        case: 'stack output that does not exist',
        inputs: { 'stack-output': 'NoSuchOutput' },
        names: { text: 'NoSuchOutput' },
        resource: true,
      },
      {
        case: 'distribution that does not exist',
        inputs: { 'stack-name': undefined, 'distribution-id': 'ENOSUCHDIST1' },
        names: { text: 'ENOSUCHDIST1' },
        resource: true,
      },
    ],
  },
  'ecs-deploy-and-wait': {
    sanitySucceeds: true,
    base: {
      cluster: FIXTURE.cluster,
      services: 'web,celery',
      image: `${IMAGE_REPO}:v2`,
      timeout: '20s',
      'poll-interval': '1s',
      'max-attempts': '2',
    },
    sanity: { wait: 'false' },
    rows: [
      { case: 'poll-interval below 1s', inputs: { 'poll-interval': '100ms' }, names: { input: 'poll-interval' } },
      ...MISSING_ECS_RESOURCES,
      { case: 'containers that no service has', inputs: { containers: 'nginx' }, names: { text: 'nginx' }, resource: true },
    ],
  },
  'ecs-exec-migrate': {
    sanitySucceeds: false,
    base: { cluster: FIXTURE.cluster, service: 'web', command: 'python manage.py migrate --noinput', timeout: '20s' },
    kinds: { service: 'other' },
    rows: [
      { case: 'neither service nor task', inputs: { service: undefined }, names: { anyOf: ['service', 'task'] } },
      {
        case: 'cluster that does not exist',
        inputs: { cluster: 'no-such-cluster-reliability' },
        names: { text: 'no-such-cluster-reliability' },
        resource: true,
      },
      {
        case: 'run-task: task definition that does not exist',
        inputs: { mode: 'run-task', 'task-definition': 'no-such-family:7' },
        names: { text: 'no-such-family' },
        resource: true,
      },
      { case: 'service that does not exist', inputs: { service: 'ghost-service' }, names: { text: 'ghost-service' }, resource: true },
      {
        case: 'run-task: service that does not exist',
        inputs: { mode: 'run-task', service: 'ghost-service' },
        names: { text: 'ghost-service' },
        resource: true,
      },
    ],
  },
  'seo-validate': {
    sanitySucceeds: true,
    base: { directory: 'site', 'site-url': 'https://allthrive.ai' },
    kinds: { 'fail-on': 'enum' },
    rows: [
      { case: 'url and directory together', inputs: { url: 'SITE_ORIGIN' }, names: { anyOf: ['url', 'directory'] } },
      { case: 'neither url nor directory', inputs: { directory: undefined }, names: { anyOf: ['url', 'directory'] } },
      {
        case: 'directory outside the workspace (../../../../../../etc)',
        inputs: { directory: '../../../../../../etc' },
        names: { input: 'directory' },
      },
      { case: 'directory outside the workspace (/etc)', inputs: { directory: '/etc' }, names: { input: 'directory' } },
      { case: 'directory that does not exist', inputs: { directory: 'no-such-dir' }, names: { input: 'directory' } },
      { case: 'url that is not a URL', inputs: { directory: undefined, url: 'localhost 8000' }, names: { input: 'url' } },
      { case: 'site-url that is not a URL', inputs: { 'site-url': 'allthrive dot ai' }, names: { input: 'site-url' } },
      { case: 'checks with an unknown check', inputs: { checks: 'robots,sitemaps-typo' }, names: { input: 'checks' } },
      { case: 'require with an unknown file', inputs: { require: 'robots,humans' }, names: { input: 'require' } },
    ],
  },
  deploy: {
    // The whole deploy in one step: frontend, backend, migration, invalidation.
    base: {
      source: 'dist',
      bucket: FIXTURE.bucket,
      cluster: FIXTURE.cluster,
      services: 'web,celery',
      image: `${IMAGE_REPO}:v2`,
      'deploy-timeout': '20s',
      'poll-interval': '1s',
      'stack-name': FIXTURE.stack,
      'invalidation-wait': 'false',
      'max-attempts': '2',
    },
    kinds: { 'invalidate-paths': 'other' },
    // The frontend and invalidation parts only (moto never completes an ECS rollout here).
    sanity: { cluster: '', services: '', image: '' },
    sanitySucceeds: true,
    rows: [
      {
        case: 'distribution-id and stack-name together',
        inputs: { 'distribution-id': 'E123EXAMPLE' },
        names: { anyOf: ['distribution-id', 'stack-name'] },
      },
      { case: 'source does not exist', inputs: { source: 'no-such-dir' }, names: { input: 'source' } },
      {
        case: 'bucket that does not exist',
        inputs: { bucket: 'no-such-bucket-reliability' },
        names: { text: 'no-such-bucket-reliability' },
        resource: true,
      },
      ...MISSING_ECS_RESOURCES,
      {
        case: 'stack that does not exist',
        inputs: { 'stack-name': 'no-such-stack-reliability' },
        names: { text: 'no-such-stack-reliability' },
        resource: true,
      },
      {
        case: 'run-task migration with a migrate-service that does not exist',
        inputs: { 'migrate-command': 'true', 'migrate-mode': 'run-task', 'migrate-service': 'ghost-service' },
        names: { text: 'ghost-service' },
        resource: true,
      },
    ],
  },
};

/** Rows read from action.yml: every required input missing, every typed input malformed. */
function generatedRows(name: (typeof ACTION_NAMES)[number]): Row[] {
  const table = TABLES[name];
  const rows: Row[] = [];
  for (const input of readInputs(name)) {
    if (input.required) rows.push({ case: `${input.name} missing`, inputs: { [input.name]: undefined }, names: { input: input.name } });
    const kind = inputKind(input, table.kinds);
    if (kind !== 'other') {
      const value = MALFORMED[kind];
      rows.push({ case: `${input.name}: malformed ${kind} '${value}'`, inputs: { [input.name]: value }, names: { input: input.name } });
    }
  }
  return rows;
}

const limit = pLimit(4);

beforeAll(async () => {
  workspace = mkdtempSync(path.join(tmpdir(), 'reliability-bad-input-'));
  writeSite(path.join(workspace, 'dist'), viteSite('v1'));
  mkdirSync(path.join(workspace, 'empty'));
  writeSite(path.join(workspace, 'site'), {
    'robots.txt': 'User-agent: *\nAllow: /\nSitemap: https://allthrive.ai/sitemap.xml\n',
    'sitemap.xml':
      '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://allthrive.ai/</loc></url></urlset>\n',
  });
  writeFileSync(path.join(workspace, 'README.md'), 'workspace');
  // A folder beside the workspace: nothing in it may ever be published.
  writeSite(`${workspace}-private`, { id_rsa: 'not for the bucket', 'notes.txt': 'private' });
  await seedBucket(moto);
  await seedEcs(moto);
  await seedCloudFront(moto);
}, 60_000);

let site: Server;
beforeAll(async () => {
  site = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end(request.url === '/robots.txt' ? 'User-agent: *\nAllow: /\n' : '');
  });
  siteOrigin = await loopbackOrigin(site);
});

afterAll(async () => {
  await new Promise((resolve) => site?.close(resolve));
  if (workspace) rmSync(workspace, { recursive: true, force: true });
  if (workspace) rmSync(`${workspace}-private`, { recursive: true, force: true });
});

interface RowResult {
  run: CheckedResult;
  requests: RecordedRequest[];
}

async function runRow(name: string, row: Row): Promise<RowResult> {
  const proxy = await startFaultProxy({ upstream: moto.endpoint });
  try {
    const inputs: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...TABLES[name as keyof typeof TABLES].base, ...row.inputs })) {
      if (value !== undefined)
        inputs[key] = value === 'SITE_ORIGIN' ? siteOrigin : value === 'PRIVATE_SIBLING' ? `../${path.basename(workspace)}-private` : value;
    }
    const run = await runChecked(name, { inputs, workspace, env: { ...moto.env, AWS_ENDPOINT_URL: proxy.endpoint }, timeoutMs: 40_000 });
    run.cleanup();
    return { run, requests: [...proxy.requests] };
  } finally {
    await proxy.close();
  }
}

const available = ACTION_NAMES.filter(hasBundle);

test('the table covers every action whose bundle exists', () => {
  // A new action with a bundle but no table here must fail, not silently go untested.
  for (const name of available) expect(Object.keys(TABLES)).toContain(name);
  expect(available.length).toBeGreaterThan(0);
});

for (const name of available) {
  describe(name, () => {
    let generated: Row[] = [];
    let metadataError = '';
    try {
      generated = generatedRows(name);
    } catch (error) {
      metadataError = (error as Error).message;
    }
    test('action.yml parses (the rows are generated from it)', () => {
      expect(metadataError).toBe('');
    });
    const rows = [...generated, ...TABLES[name].rows];
    const outcomes = new Map<string, Promise<RowResult>>();
    beforeAll(() => {
      for (const row of rows)
        outcomes.set(
          row.case,
          limit(() => runRow(name, row)),
        );
    });

    test('the valid baseline succeeds or fails only on what moto cannot emulate (sanity of the table)', async () => {
      // The baseline must get past input validation: otherwise every row would pass for the wrong reason.
      const { run } = await runRow(name, { case: 'baseline', inputs: TABLES[name].sanity ?? {}, names: {} });
      const inputErrors = run.errors.filter((e) => e.properties.title && Object.keys(TABLES[name].base).includes(e.properties.title));
      expect({ inputErrors: inputErrors.map((e) => e.message) }).toEqual({ inputErrors: [] });
      if (TABLES[name].sanitySucceeds)
        expect({ exit: run.exitCode, details: describeRun(run) }).toEqual({ exit: 0, details: describeRun(run) });
      expect(run.leaks).toEqual([]);
    });

    test.each(rows.map((row) => [row.case, row] as const))('%s → exit 1, one ::error naming it, no mutation', async (_case, row) => {
      const { run, requests } = await outcomes.get(row.case)!;
      const details = describeRun(run);
      expect({ exit: run.exitCode, errors: run.errors.length, details }).toEqual({ exit: 1, errors: 1, details });
      const error = run.errors[0];
      const text = `${error.properties.title ?? ''} ${error.message}`;
      const named = row.names.input
        ? error.properties.title === row.names.input || text.includes(`'${row.names.input}'`) || text.includes(`\`${row.names.input}\``)
        : row.names.anyOf
          ? row.names.anyOf.some((n) => text.includes(n))
          : text.includes(row.names.text!);
      expect({ named, error: text, expected: row.names }).toEqual({ named: true, error: text, expected: row.names });
      // No mutating request may reach AWS; for missing resources, none may be accepted either.
      const sent = requests.filter((r) => r.mutating && r.forwarded);
      const accepted = sent.filter((r) => r.status !== undefined && r.status < 300);
      expect((row.resource ? accepted : sent).map((r) => `${r.service}:${r.operation} → ${r.status}`)).toEqual([]);
      expect(run.leaks).toEqual([]);
      const awsCalls = requests.filter((r) => r.service !== 'http').length;
      results.record({
        action: name,
        category: 'bad-input',
        case: row.case,
        outcome: `exit 1; one ::error${error.properties.title ? ` title=${error.properties.title}` : ''}; ${sent.length ? `${sent.length} rejected mutation(s)` : 'no mutating request'}`,
        metrics: { awsRequests: awsCalls, mutatingSent: sent.length },
      });
    });

    test('secrets: no injected credential in any run of this table', async () => {
      const runs = await Promise.all([...outcomes.values()]);
      expect(runs.length).toBeGreaterThan(0);
      expect(runs.flatMap((r) => r.run.leaks)).toEqual([]);
      if (name === 'deploy') {
        results.record({
          action: name,
          category: 'secrets',
          case: 'AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, presigned URLs (bad-input runs)',
          outcome: `not found in stdout, stderr, outputs, summary or files of ${runs.length} runs`,
        });
      }
    });
  });
}
