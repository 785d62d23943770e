import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { renderSummary, type SummaryReport } from '@allthrive/toolkit';
import { buildSummary as ecsSummary, type DeployResult } from '@allthrive/ecs-deploy-and-wait';
import { buildSummary as migrationSummary, type MigrationOptions } from '@allthrive/ecs-exec-migrate';
import { invalidationSummary, type InvalidationResult } from '@allthrive/cloudfront-invalidate';
import { summaryReport } from '@allthrive/s3-sync-frontend';
import { wholeDeploySummary, type WholeDeployResult } from '@allthrive/deploy';
import { runBundle } from '../harness/bundle.js';
import { useMoto } from '../harness/moto.js';
import { createBucket, deploy, makeSite, put, SITE_V1 } from '../s3-sync-frontend/helpers.js';
import { expectRectangular, renderSummaryMarkdown } from './render-summary.js';

// Issues 16.6 and 19.4: summaries are checked as GitHub shows them (GFM with HTML), not as strings:
// table structure, headings, and hostile text from files, keys or services staying text.

const render = (report: SummaryReport) => renderSummaryMarkdown(renderSummary(report));
const HOSTILE =
  'x <img src=x onerror=alert(1)>\n\n[click](https://evil.example/) ![i](https://evil.example/i.png) <a href="https://evil.example">a</a>';

describe('the toolkit summary writer', () => {
  it('keeps hostile headings, paragraphs and cells as text, one cell each', () => {
    const rendered = render({
      title: HOSTILE,
      lines: [HOSTILE],
      table: { header: ['Name', 'Value'], rows: [[HOSTILE, '']] },
      sections: [{ heading: HOSTILE, table: { header: ['A'], rows: [[HOSTILE]] } }],
    });
    expect(rendered.elements.filter((e) => e === 'img' || e === 'a')).toEqual([]);
    expect(rendered.headings).toHaveLength(2);
    expect(rendered.headings[0]).toContain('<img src=x onerror=alert(1)>');
    expect(rendered.headings[0]).toContain('[click](https://evil.example/)');
    expect(rendered.tables[0]).toEqual({ header: ['Name', 'Value'], rows: [[expect.stringContaining('<img'), '']] });
    rendered.tables.forEach(expectRectangular);
  });

  it('a table whose header is all empty has no header row (not an empty first row)', () => {
    const rendered = render({ title: 't', table: { header: ['', ''], rows: [['Command', 'migrate']] } });
    expect(rendered.tables).toEqual([{ header: [], rows: [['Command', 'migrate']] }]);
  });
});

describe('every action’s summary renders as a well-formed table', () => {
  it('ecs-exec-migrate: a name/value table without an empty header row', () => {
    const options = {
      cluster: 'prod',
      service: 'web',
      container: 'web',
      command: 'python manage.py migrate',
      mode: 'exec',
    } as MigrationOptions;
    const rendered = render(migrationSummary(options, { exitCode: 0, taskArn: 'arn:aws:ecs:eu-west-1:1:task/prod/abc', durationMs: 4000 }));
    const [table] = rendered.tables;
    expect(table.header).toEqual([]);
    expect(table.rows[0]).toEqual(['Command', 'python manage.py migrate']);
    expect(table.rows.every((r) => r.every((c) => c !== '') || r[0] !== '')).toBe(true);
    expectRectangular(table);
  });

  it('ecs-deploy-and-wait: the image digest is shown once, not on every row', () => {
    const image = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/allthrive@sha256:${'d'.repeat(64)}`;
    const service = (name: string) => ({
      status: 'success' as const,
      deploymentId: `ecs-svc/${name}`,
      taskDefinitionArn: `arn:aws:ecs:eu-west-1:1:task-definition/${name}:2`,
      previousTaskDefinitionArn: `arn:aws:ecs:eu-west-1:1:task-definition/${name}:1`,
      runningCount: 2,
      desiredCount: 2,
      durationSeconds: 95,
      reason: '',
    });
    const result = {
      result: 'success',
      services: { web: service('web'), celery: service('celery'), 'celery-beat': service('celery-beat') },
      taskDefinitionArns: {},
      image,
    } as DeployResult;
    const rendered = render(ecsSummary(result, { cluster: 'prod' }));
    expect(rendered.html.split(image).length - 1).toBe(1);
    expect(rendered.tables[0].rows.map((r) => r[0])).toEqual(['web', 'celery', 'celery-beat']);
    rendered.tables.forEach(expectRectangular);
  });

  it('cloudfront-invalidate and the root action', () => {
    const invalidation = {
      distributionId: 'E2ABC',
      invalidationIds: ['I1'],
      status: 'Completed',
      paths: ['/index.html', '/robots.txt'],
      inputPathCount: 2,
      billablePaths: 2,
      wildcardCount: 0,
      collapsedInto: [],
      maxPaths: 15,
      batches: [{ id: 'I1', status: 'Completed', paths: ['/index.html', '/robots.txt'], callerReference: 'run-1-1' }],
      durationMs: 3000,
      waited: true,
      timedOut: false,
    } as unknown as InvalidationResult;
    const rendered = render(invalidationSummary(invalidation));
    expect(rendered.tables.map((t) => t.header)).toEqual([['Invalidation', 'Status', 'Paths', 'Caller reference'], ['Path']]);
    rendered.tables.forEach(expectRectangular);

    const whole = {
      result: 'failed',
      parts: [
        { part: 'frontend-assets', status: 'success', detail: '4 uploaded' },
        { part: 'backend', status: 'failed', detail: '' },
      ],
      failure: HOSTILE,
      failedPart: 'backend',
      productionState: 'old backend, new assets',
    } as unknown as WholeDeployResult;
    const root = render(wholeDeploySummary(whole));
    expect(root.elements.filter((e) => e === 'img' || e === 'a')).toEqual([]);
    expect(root.tables[0].rows[1]).toEqual([expect.stringContaining('Backend'), '❌ failed', '']);
    root.tables.forEach(expectRectangular);
  });
});

describe('with moto and bundles', () => {
  const moto = useMoto();

  it('s3-sync-frontend lists the changed files (up to a limit), as text', async () => {
    const s3 = await createBucket(moto);
    await put(s3, 'app/<img src=x>.html', 'old');
    const root = makeSite(SITE_V1);
    const { result } = await deploy(root, s3, { prefix: 'app/', delete: true });
    const rendered = render(summaryReport(result));
    const files = rendered.tables.find((t) => t.header.includes('File'));
    expect(files).toBeDefined();
    expect(files!.rows).toEqual(
      expect.arrayContaining([
        ['index.html', 'uploaded'],
        ['assets/index-BxY3k9_a.js', 'uploaded'],
        ['<img src=x>.html', 'deleted'],
      ]),
    );
    expect(rendered.elements).not.toContain('img');
    rendered.tables.forEach(expectRectangular);
  });

  it('s3-sync-frontend names at most 50 files and says how many more', async () => {
    const s3 = await createBucket(moto);
    const site: Record<string, string> = {};
    for (let i = 0; i < 60; i++) site[`page-${i}.html`] = `<p>${i}</p>`;
    const { result } = await deploy(makeSite(site), s3, {});
    const rendered = render(summaryReport(result));
    expect(rendered.tables.find((t) => t.header.includes('File'))!.rows).toHaveLength(50);
    expect(rendered.paragraphs).toContain('First 50 of 60 changed files.');
  });

  it('seo-validate: a hostile percent-encoded Sitemap line and empty cells stay inside their table', async () => {
    const workspace = mkdtempSync(path.join(tmpdir(), 'seo-hostile-'));
    mkdirSync(path.join(workspace, 'public'));
    writeFileSync(
      path.join(workspace, 'public', 'robots.txt'),
      'User-agent: *\nAllow: /\nSitemap: https://example.com/%0A%0A%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%0A%0A[x](https://evil.example/)\n',
    );
    writeFileSync(path.join(workspace, 'public', 'llms.txt'), '# Site\n');
    const run = await runBundle('seo-validate', {
      inputs: { directory: 'public', 'site-url': 'https://example.com', require: 'robots' },
      workspace,
    });
    try {
      const rendered = renderSummaryMarkdown(run.summary);
      expect(rendered.elements.filter((e) => e === 'img' || e === 'a')).toEqual([]);
      expect(rendered.tables.length).toBeGreaterThan(0);
      rendered.tables.forEach(expectRectangular);
      expect(rendered.tables[0].header).toEqual(['Kind', 'File', 'Status', 'Contents', 'Errors', 'Warnings']);
    } finally {
      run.cleanup();
    }
  });
});
