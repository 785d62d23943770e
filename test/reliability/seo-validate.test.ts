import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFaultProxy, type FaultKind, type FaultProxy, type FaultRule } from '../harness/fault-proxy.js';
import { loopbackOrigin } from '../harness/ports.js';
import { describeFaults, faultLevels } from './lib/faults.js';
import { excerpt, useResults } from './lib/results.js';
import { cancelledRun, describeRun, runChecked, type CheckedResult, testNoSecretLeaks } from './lib/run.js';

/**
 * seo-validate against a loopback site behind the fault proxy: a fetch fault on the target
 * (5xx, 429, a reset connection, a truncated body) must be reported as such, never as
 * "robots.txt missing" — and a clean site must pass.
 */

const NAME = 'seo-validate';
const results = useResults(NAME);
const scanned: CheckedResult[] = [];

const SITE: Record<string, { type: string; body: string }> = {
  '/robots.txt': {
    type: 'text/plain; charset=utf-8',
    body: 'User-agent: *\nAllow: /\nDisallow: /admin/\n\nSitemap: https://allthrive.ai/sitemap.xml\n',
  },
  '/sitemap.xml': {
    type: 'application/xml',
    body:
      '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' +
      ['/', '/about', '/explore', '/pricing']
        .map((p) => `  <url><loc>https://allthrive.ai${p}</loc><lastmod>2026-11-01</lastmod></url>\n`)
        .join('') +
      '</urlset>\n',
  },
  '/llms.txt': {
    type: 'text/plain; charset=utf-8',
    body: '# AllThrive\n\n> AI portfolio platform.\n\n## Docs\n\n- [About](https://allthrive.ai/about): what it is\n',
  },
};

let site: Server;
let origin = '';
let workspace: string;

beforeAll(async () => {
  workspace = mkdtempSync(path.join(tmpdir(), 'reliability-seo-'));
  site = createServer((request, response) => {
    const file = SITE[(request.url ?? '/').split('?')[0]];
    if (!file) {
      response.writeHead(404, { 'content-type': 'text/html' });
      response.end('<h1>Not Found</h1>');
      return;
    }
    response.writeHead(200, { 'content-type': file.type });
    response.end(file.body);
  });
  origin = await loopbackOrigin(site);
});
afterAll(async () => {
  await new Promise((resolve) => site.close(resolve));
  rmSync(workspace, { recursive: true, force: true });
});

interface Finding {
  rule: string;
  severity: string;
  file: string;
  line?: number;
  message: string;
}

async function validate(
  rules: FaultRule[],
  seed = 1,
  timeoutMs = 60_000,
): Promise<{ run: CheckedResult; findings: Finding[]; proxy: FaultProxy }> {
  const proxy = await startFaultProxy({ upstream: origin, seed, rules });
  try {
    const run = await runChecked(NAME, {
      inputs: { url: proxy.endpoint, 'site-url': 'https://allthrive.ai', checks: 'robots,sitemap,llms', timeout: '5s' },
      workspace,
      timeoutMs,
    });
    const reportPath = run.outputs.report;
    const findings: Finding[] =
      reportPath && existsSync(reportPath) ? (JSON.parse(readFileSync(reportPath, 'utf8')).findings as Finding[]) : [];
    run.cleanup();
    scanned.push(run);
    return { run, findings, proxy };
  } finally {
    await proxy.close();
  }
}

/** Words a report uses for "the file is not there" — wrong for a file that failed to download. */
const MISSING = /\b(missing|not found|does not exist|no robots\.txt|404)\b/i;

/** How the report may name each fault. */
const NAMED: Record<string, RegExp> = {
  slowdown: /503|unavailable|5\d\d/i,
  internal: /500|server error|5\d\d/i,
  throttle: /429|too many|rate/i,
  'reset-before': /reset|connection|socket|network|ECONNRESET|fetch failed|could not (be )?(fetch|read|download)/i,
  truncate: /truncat|incomplete|aborted|terminated|premature|connection|closed|could not (be )?(fetch|read|download)|fetch failed/i,
};

describe('seo-validate: fetch faults are reported as fetch faults', () => {
  test('a clean site passes through the proxy (baseline)', async () => {
    const { run, findings } = await validate([]);
    expect({ exit: run.exitCode, errors: run.outputs.errors, findings, details: describeRun(run) }).toMatchObject({ exit: 0, errors: '0' });
    results.record({
      action: NAME,
      category: 'fetch-faults',
      case: 'no faults (baseline)',
      outcome: `exit 0, 0 errors, ${findings.length} findings`,
    });
  });

  const kinds: FaultKind[] = ['slowdown', 'internal', 'throttle', 'reset-before', 'truncate'];
  for (const file of ['/robots.txt', '/sitemap.xml']) {
    test.each(kinds)(`${file}: every fetch answered with %s → a finding naming the fault, not "missing"`, async (fault) => {
      const { run, findings, proxy } = await validate([{ fault, path: file }]);
      const about = findings.filter((f) => f.file.endsWith(file.slice(1)) || f.message.includes(file.slice(1)));
      const details = `${describeFaults(proxy.requests)}\nfindings: ${JSON.stringify(findings, null, 1)}\n${describeRun(run)}`;
      expect({ about: about.length > 0, details }).toEqual({ about: true, details });
      const text = about.map((f) => f.message).join('\n');
      expect({ named: NAMED[fault].test(text), text }).toEqual({ named: true, text });
      expect({ saysMissing: MISSING.test(text), text }).toEqual({ saysMissing: false, text });
      expect(run.leaks).toEqual([]);
      results.record({
        action: NAME,
        category: 'fetch-faults',
        case: `${file}: ${fault} on every fetch`,
        outcome: `exit ${run.exitCode}; ${about[0].severity}: ${excerpt(about[0].message, 120)}`,
        metrics: { fetches: proxy.requests.filter((r) => r.path === file).length },
      });
    });
  }

  test.each(faultLevels(75, 63))(
    '%d%% faults on every fetch: each file is either validated or its fetch fault reported, never "missing"',
    async (percent, category, seed) => {
      const rate = percent / 100;
      const rules: FaultRule[] = [
        { fault: 'slowdown', rate: rate / 3 },
        { fault: 'reset-before', rate: rate / 3 / (1 - rate / 3) },
        { fault: 'truncate', rate: rate / 3 / (1 - (2 * rate) / 3) },
      ];
      const { run, findings, proxy } = await validate(rules, seed);
      const details = `${describeFaults(proxy.requests)}\nfindings: ${JSON.stringify(findings, null, 1)}\n${describeRun(run)}`;
      const faulted = new Set(proxy.faults().map((r) => r.path));
      for (const f of findings)
        expect({ saysMissing: MISSING.test(f.message), finding: f, details }).toEqual({ saysMissing: false, finding: f, details });
      if (faulted.size === 0) expect(run.exitCode).toBe(0);
      results.record({
        action: NAME,
        category,
        case: `${percent}% faults (503, reset, truncation) on every fetch (seed ${seed})`,
        outcome: `exit ${run.exitCode}; faulted ${[...faulted].join(', ') || 'nothing'}; ${findings.length} findings, none says "missing"`,
        metrics: { fetches: proxy.requests.length, faulted: proxy.faults().length },
      });
    },
  );
});

describe('seo-validate: a hung site against the timeout input', () => {
  test('robots.txt held 60 s with timeout 5s: reported as a timeout, not as missing', async () => {
    const { run, findings } = await validate([{ fault: 'delay', path: '/robots.txt', delayMs: 60_000 }], 1, 30_000);
    const details = `findings: ${JSON.stringify(findings)}\n${describeRun(run)}`;
    expect({ signal: run.signal, exit: run.exitCode, details }).toMatchObject({ signal: null, exit: 1 });
    const about = findings.filter((f) => f.message.includes('robots.txt'));
    expect({ timeout: about.some((f) => /time(d)? ?out|within/i.test(f.message)), details }).toEqual({ timeout: true, details });
    expect(about.some((f) => MISSING.test(f.message))).toBe(false);
    results.record({
      action: NAME,
      category: 'fetch-faults',
      case: '/robots.txt held 60 s (timeout 5s)',
      outcome: `exit 1; ${excerpt(about[0].message, 120)}`,
      metrics: { elapsedMs: run.elapsedMs },
    });
  }, 45_000);
});

describe('seo-validate cancellation', () => {
  test('SIGINT then SIGTERM while robots.txt hangs: exits promptly', async () => {
    const proxy = await startFaultProxy({ upstream: origin, rules: [{ fault: 'delay', path: '/robots.txt', delayMs: 60_000 }] });
    try {
      const cancelled = await cancelledRun(
        () => proxy.requests.some((r) => r.path === '/robots.txt'),
        async (onStart) => {
          const run = await runChecked(NAME, {
            inputs: { url: proxy.endpoint, 'site-url': 'https://allthrive.ai', checks: 'robots,sitemap,llms', timeout: '60s' },
            workspace,
            timeoutMs: 60_000,
            onStart,
          });
          run.cleanup();
          scanned.push(run);
          return run;
        },
      );
      expect(cancelled.run.errors[0].message).toMatch(/cancel/i);
      results.record(cancelled.outcome(NAME, 'while robots.txt is being fetched (held 60 s)'));
    } finally {
      await proxy.close();
    }
  }, 45_000);
});

testNoSecretLeaks(NAME, scanned, results, {
  case: 'AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (present in the environment), presigned URLs',
  places: 'stdout, stderr, outputs, summary or report files',
});
