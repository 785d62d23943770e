import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { checkDeclaredInputs, EMBEDDED_METADATA_GLOBAL } from '@allthrive/toolkit';
// @ts-expect-error plain ESM helper shared with the build script
import { discoverActions } from '../../scripts/lib/actions.mjs';
import { repoRoot } from '../harness/bundle.js';

// runAction refuses undeclared inputs using the list scripts/build.mjs embeds in each bundle; a
// bundle built before an action.yml change would refuse a newly declared input (or accept a removed one).
const actions = discoverActions(repoRoot) as { name: string; metadata: string }[];

describe('the declared inputs embedded in every committed bundle', () => {
  it.each(actions.map((a) => [a.name, a] as const))('%s matches its action.yml', (name, action) => {
    const bundle = readFileSync(path.join(repoRoot, 'dist', name, 'index.js'), 'utf8');
    const prelude = new RegExp(`^globalThis\\.${EMBEDDED_METADATA_GLOBAL}=(\\{.*?\\});\\n`).exec(bundle);
    expect(prelude).not.toBeNull();
    const declared = Object.keys((parse(readFileSync(path.join(repoRoot, action.metadata), 'utf8')) as { inputs?: object }).inputs ?? {});
    expect(JSON.parse(prelude![1])).toEqual({ name, inputs: declared });
  });
});

describe('checkDeclaredInputs', () => {
  const metadata = { name: 'demo-action', inputs: ['bucket', 'prefix', 'dry-run', 'cache-control'] };

  it('accepts every declared input, including the runner’s defaults', () => {
    expect(() =>
      checkDeclaredInputs(metadata, { INPUT_BUCKET: 'b', 'INPUT_DRY-RUN': 'false', 'INPUT_CACHE-CONTROL': '', PATH: '/bin' }),
    ).not.toThrow();
  });

  it('names every unknown input in one error, each with its nearest declared name', () => {
    expect(() => checkDeclaredInputs(metadata, { INPUT_BUCKET: 'b', INPUT_PREFX: 'app', INPUT_DRY_RUN: 'true' })).toThrow(
      "Unknown input 'dry_run'. Did you mean 'dry-run'? Unknown input 'prefx'. Did you mean 'prefix'? demo-action accepts: bucket, prefix, dry-run, cache-control.",
    );
  });
});

// README: "Every action that talks to AWS accepts `aws-region` and `endpoint-url` (seo-validate ... has neither)".
describe('the AWS inputs the README promises', () => {
  it.each(actions.map((a) => [a.name, a] as const))('%s', (name, action) => {
    const inputs = Object.keys((parse(readFileSync(path.join(repoRoot, action.metadata), 'utf8')) as { inputs?: object }).inputs ?? {});
    const aws = ['aws-region', 'endpoint-url'].filter((input) => inputs.includes(input));
    expect(aws).toEqual(name === 'seo-validate' ? [] : ['aws-region', 'endpoint-url']);
  });
});
