/**
 * `directory` must stay inside GITHUB_WORKSPACE: the bundle (dist/seo-validate) refuses `../x`,
 * an absolute path elsewhere and a symlink leading out, with one error naming the input, and reads
 * nothing there (no report, no findings about files outside the workspace).
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Inputs, InputError, mapInputSource } from '@allthrive/toolkit';
import { readOptions } from '@allthrive/seo-validate';
import { runBundle } from '../harness/bundle.js';
import { fixtureSite } from './site-server.js';

const root = mkdtempSync(path.join(tmpdir(), 'seo-validate-outside-'));
const workspace = path.join(root, 'workspace');
// A complete, valid site beside the workspace: validating it would pass, so only a refusal fails.
cpSync(fixtureSite, path.join(root, 'private-site'), { recursive: true });
cpSync(fixtureSite, path.join(workspace, 'public'), { recursive: true });
mkdirSync(path.join(workspace, 'links'), { recursive: true });
symlinkSync(path.join(root, 'private-site'), path.join(workspace, 'links', 'site'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('seo-validate: directory outside the workspace', () => {
  it.each([
    ['../private-site: a relative path climbing out', '../private-site'],
    ['../../../../../../etc: the system folder by climbing', '../../../../../../etc'],
    ['/etc: an absolute path elsewhere', '/etc'],
    ['an absolute path beside the workspace', path.join(root, 'private-site')],
    ['links/site: a symlink in the workspace that leads out', 'links/site'],
  ])('directory %s is refused with one error naming `directory`, and nothing is read', async (_case, directory) => {
    const result = await runBundle('seo-validate', { inputs: { directory, 'site-url': 'https://allthrive.ai' }, workspace });
    try {
      expect(result.exitCode).toBe(1);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0].properties.title).toBe('directory');
      expect(result.errors[0].message).toContain(`Input 'directory' has the value '${directory}'`);
      expect(result.errors[0].message).toMatch(/inside the workspace/);
      expect(result.outputs.report).toBeUndefined();
      expect(result.stdout).not.toMatch(/robots\.txt|sitemap\.xml/);
    } finally {
      result.cleanup();
    }
  });

  it('a folder inside the workspace (also written as ./public/../public) is still validated', async () => {
    const result = await runBundle('seo-validate', {
      inputs: { directory: './public/../public', 'site-url': 'https://allthrive.ai' },
      workspace,
    });
    try {
      expect(result.errors).toEqual([]);
      expect(result.exitCode).toBe(0);
    } finally {
      result.cleanup();
    }
  });

  it('readOptions refuses it too (the root action shares it), before any file is looked at', () => {
    const previous = process.env.GITHUB_WORKSPACE;
    process.env.GITHUB_WORKSPACE = workspace;
    try {
      const read = (directory: string) => () => readOptions(new Inputs(mapInputSource({ directory, 'site-url': 'https://allthrive.ai' })));
      expect(read('../private-site')).toThrow(InputError);
      expect(read('links/site')).toThrow(/resolves outside it/);
      expect(read('public')().directory).toBe('public');
    } finally {
      if (previous === undefined) delete process.env.GITHUB_WORKSPACE;
      else process.env.GITHUB_WORKSPACE = previous;
    }
  });
});
