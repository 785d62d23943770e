/** Directory mode through the engine: the site-url mapping onto files, and the edges of it. */
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { InputError, memoryLogger, virtualClock } from '@allthrive/toolkit';
import { runValidation, type Options } from '@allthrive/seo-validate';
import { copySite, engineOptions } from './options.js';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

function site(edit: (dir: string) => void = () => undefined): string {
  root = copySite('seo-dir-', edit);
  return root;
}

const options = (overrides: Partial<Options> = {}): Options => engineOptions({ directory: 'public', ...overrides });

const validate = (overrides: Partial<Options> = {}) =>
  runValidation(options(overrides), { root, logger: memoryLogger(), clock: virtualClock(Date.parse('2026-11-27T08:00:00Z')) });

describe('directory mode', () => {
  it('reads URLs on site-url from the same path under the directory, naming files relative to the workspace', async () => {
    site();
    const result = await validate();
    expect(result.errors).toBe(0);
    expect(Object.keys(result.files)).toContain('public/sitemap-projects.xml.gz');
    expect(result.files['public/.well-known/ai-plugin.json'].details).toEqual({
      apiUrl: 'https://allthrive.ai/.well-known/openapi.yaml',
      apiReachable: true,
    });
  });

  it('a path that escapes the directory is refused (file-outside), never read', async () => {
    site((dir) =>
      writeFileSync(path.join(dir, 'robots.txt'), 'User-agent: *\nDisallow:\nSitemap: https://allthrive.ai/..%2F..%2Fsecret.xml\n'),
    );
    writeFileSync(path.join(root, 'secret.xml'), '<urlset/>');
    const result = await validate({ checks: ['robots', 'sitemap'] });
    expect(result.findings.filter((f) => f.rule === 'file-outside')).toEqual([
      expect.objectContaining({ severity: 'error', message: expect.stringContaining('the path escapes the directory') }),
    ]);
  });

  it('a symlink whose real path is outside the directory is refused (file-outside) and its content never quoted', async () => {
    site((dir) => {
      rmSync(path.join(dir, 'robots.txt'));
      rmSync(path.join(dir, '.well-known'), { recursive: true });
    });
    const outside = path.join(root, 'outside');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'robots.txt'), 'SECRET-TOKEN-123 not a robots line\n');
    writeFileSync(path.join(outside, 'ai-plugin.json'), '{"SECRET-TOKEN-456": 1}');
    symlinkSync(path.join(outside, 'robots.txt'), path.join(root, 'public', 'robots.txt'));
    symlinkSync(outside, path.join(root, 'public', '.well-known'));
    const result = await validate({ checks: ['robots', 'ai-plugin'], require: ['robots', 'ai-plugin'] });
    expect(result.findings.map((f) => [f.rule, f.file])).toEqual([
      ['file-outside', 'public/robots.txt'],
      ['file-outside', 'public/.well-known/ai-plugin.json'],
    ]);
    expect(result.findings[0].message).toContain('its real path');
    expect(result.findings[0].message).toContain(path.join(outside, 'robots.txt'));
    expect(JSON.stringify(result)).not.toMatch(/SECRET-TOKEN/);
  });

  it('a symlink that stays inside the directory is read', async () => {
    site((dir) => {
      renameSync(path.join(dir, 'robots.txt'), path.join(dir, 'robots.real.txt'));
      symlinkSync('robots.real.txt', path.join(dir, 'robots.txt'));
    });
    const result = await validate({ checks: ['robots'] });
    expect(result.errors).toBe(0);
    expect(result.files['public/robots.txt'].status).toBe('read');
  });

  it('ai-plugin.json: api.url must exist as a file under the directory', async () => {
    site((dir) => rmSync(path.join(dir, '.well-known', 'openapi.yaml')));
    const result = await validate({ checks: ['ai-plugin'] });
    expect(result.findings.map((f) => f.rule)).toEqual(['ai-plugin-legacy', 'ai-plugin-api-unreachable']);
  });

  it('check-urls needs a server: a notice in directory mode; sitemap reading stops at maxSitemaps', async () => {
    site();
    const result = await validate({ checks: ['sitemap'], checkUrls: 3, maxSitemaps: 2 });
    expect(result.findings.map((f) => [f.rule, f.severity])).toEqual([
      ['sitemap-limit', 'notice'],
      ['check-urls', 'notice'],
    ]);
  });

  it('profile: rfc evaluates robots.txt as an RFC 9309-strict crawler (a missing-colon rule does not count)', async () => {
    site((dir) => writeFileSync(path.join(dir, 'robots.txt'), 'User-agent: *\nDisallow /\n'));
    const google = await validate({ checks: ['robots'] });
    expect(google.findings.map((f) => f.rule)).toEqual(['robots-missing-colon', 'robots-blocks-site', 'robots-blocks-site']);
    const rfc = await validate({ checks: ['robots'], profile: 'rfc' });
    expect(rfc.findings.map((f) => f.rule)).toEqual(['robots-missing-colon']);
  });

  it('a directory that does not exist, or a missing site-url, is an input error', async () => {
    site();
    await expect(validate({ directory: 'nope' })).rejects.toMatchObject({ input: 'directory' });
    await expect(validate({ directory: 'nope' })).rejects.toBeInstanceOf(InputError);
    await expect(validate({ directory: 'nope' })).rejects.toThrow(
      /Input 'directory' has the value 'nope', which is not accepted: .*nope is not a folder/,
    );
    await expect(validate({ siteUrl: undefined })).rejects.toThrow(/Input 'site-url'/);
  });
});
