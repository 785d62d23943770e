/**
 * Hostile site content against the committed bundle (issue 19, items 2, 3 and 5): lines built to
 * make backtracking patterns run for hours, a redirect towards an "instance metadata" server on
 * another loopback address, and symlinks out of the build folder. The bundle runs under the
 * harness's kill timer, so a hang fails the test (exit code null) instead of stalling the suite.
 */
import { createServer } from 'node:http';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { runBundle, type BundleResult } from '../harness/bundle.js';
import { fixtureSite, redirect, startSite } from './site-server.js';

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function workspaceWithSite(edit: (dir: string, ws: string) => void): string {
  const ws = mkdtempSync(path.join(tmpdir(), 'seo-hostile-'));
  cleanups.push(() => rmSync(ws, { recursive: true, force: true }));
  cpSync(fixtureSite, path.join(ws, 'public'), { recursive: true });
  edit(path.join(ws, 'public'), ws);
  return ws;
}

async function run(inputs: Record<string, string>, workspace?: string): Promise<BundleResult> {
  const result = await runBundle('seo-validate', { inputs, workspace, timeoutMs: 45_000 });
  cleanups.push(result.cleanup);
  return result;
}

/** Everything a person or a later step can read: the log, the summary and the JSON report. */
function everythingWritten(result: BundleResult): string {
  const report = result.outputs.report ? readFileSync(result.outputs.report, 'utf8') : '';
  return `${result.stdout}\n${result.summary}\n${report}`;
}

describe('seo-validate bundle against hostile content', () => {
  it('lines built for catastrophic backtracking (llms.txt headings, contact_email, Content-Signal) finish: the findings are reported', async () => {
    const spaces = ' '.repeat(40_000);
    const ws = workspaceWithSite((dir) => {
      writeFileSync(
        path.join(dir, 'llms.txt'),
        `# x${spaces}x\n\n## y${spaces}!\n- [a](/a)\n### z${spaces}#${spaces}!\n## Docs\n- [b](/b)${spaces}!\n`,
      );
      writeFileSync(
        path.join(dir, 'robots.txt'),
        `User-agent: *\nContent-Signal: search=yes,${' , a=b'.repeat(2500)} ,\nContent-Signal: a=b,${' '.repeat(15_000)}!\nDisallow: /admin/\n`,
      );
      const manifest = JSON.parse(readFileSync(path.join(dir, '.well-known', 'ai-plugin.json'), 'utf8'));
      manifest.contact_email = `a@${'.'.repeat(200_000)} `;
      writeFileSync(path.join(dir, '.well-known', 'ai-plugin.json'), JSON.stringify(manifest));
    });
    const result = await run({ directory: 'public', 'site-url': 'https://allthrive.ai', checks: 'robots,ai-plugin,llms' }, ws);
    expect(result.signal).toBeNull();
    expect(result.exitCode).toBe(1);
    const rules = result.annotations.map((a) => a.properties.title);
    expect(rules).toEqual(
      expect.arrayContaining(['seo-validate robots-content-signal', 'seo-validate llms-structure', 'seo-validate ai-plugin-field']),
    );
    expect(result.annotations.find((a) => a.properties.title === 'seo-validate llms-structure')!.message).toContain("H3 heading 'z");
  });

  it('a redirect towards a metadata server on another loopback address is never followed or quoted', async () => {
    const requests: string[] = [];
    const metadata = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('AccessKeyId: AKIAHOSTILESECRET\nSecretAccessKey: hostile/secret\n');
    });
    await new Promise<void>((resolve) => metadata.listen(0, '127.0.0.2', resolve));
    cleanups.push(() => new Promise<void>((resolve) => metadata.close(() => resolve())));
    const metadataUrl = `http://127.0.0.2:${(metadata.address() as AddressInfo).port}`;
    const site = await startSite({
      '/robots.txt': redirect(`${metadataUrl}/latest/meta-data/iam/security-credentials/`),
      '/llms.txt': redirect('http://169.254.169.254/latest/user-data', 302),
    });
    cleanups.push(() => site.close());
    const result = await run({ url: site.url, 'site-url': 'https://allthrive.ai', checks: 'robots,sitemap,llms', require: 'sitemap' });
    expect(requests).toEqual([]);
    const warnings = result.annotations.filter((a) => a.properties.title === 'seo-validate redirect-other-origin');
    expect(warnings.map((w) => w.message)).toEqual([
      expect.stringContaining(`from ${site.url} to ${metadataUrl}`),
      expect.stringContaining(`from ${site.url} to http://169.254.169.254`),
    ]);
    expect(everythingWritten(result)).not.toMatch(/AKIAHOSTILESECRET|hostile\/secret/);
  });

  it('directory mode: symlinks out of the folder are refused and their content never quoted', async () => {
    const ws = workspaceWithSite((dir, workspace) => {
      const outside = path.join(workspace, 'outside');
      mkdirSync(outside);
      writeFileSync(path.join(outside, 'secret.txt'), 'HOSTILE-SECRET-LINE\n');
      rmSync(path.join(dir, 'robots.txt'));
      symlinkSync(path.join(outside, 'secret.txt'), path.join(dir, 'robots.txt'));
      rmSync(path.join(dir, 'llms.txt'));
      symlinkSync('../outside/secret.txt', path.join(dir, 'llms.txt'));
    });
    const result = await run({ directory: 'public', 'site-url': 'https://allthrive.ai', checks: 'robots,llms' }, ws);
    expect(result.exitCode).toBe(1);
    expect(result.errors.filter((e) => e.properties.title === 'seo-validate file-outside').map((e) => e.properties.file)).toEqual([
      'public/robots.txt',
      'public/llms.txt',
    ]);
    expect(everythingWritten(result)).not.toContain('HOSTILE-SECRET-LINE');
  });
});
