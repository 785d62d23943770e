import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { Inputs, mapInputSource } from '@allthrive/toolkit';
import { readOptions } from '@allthrive/seo-validate';
import { repoRoot } from '../harness/bundle.js';
import { CHECK_DEFAULTS } from './options.js';

const read = (values: Record<string, string>) => readOptions(new Inputs(mapInputSource(values)));

describe('seo-validate inputs', () => {
  it('applies the documented defaults', () => {
    expect(read({ url: 'http://localhost:8000' })).toEqual({
      url: 'http://localhost:8000',
      directory: undefined,
      siteUrl: undefined,
      ...CHECK_DEFAULTS,
      profile: 'google',
      timeoutMs: 15_000,
      hostHeader: undefined,
      start: undefined,
      waitTimeoutMs: 60_000,
    });
  });

  it('reads lists, paths and numbers', () => {
    const options = read({
      directory: 'public',
      'site-url': 'https://allthrive.ai',
      checks: 'robots\nsitemap',
      require: 'robots',
      'user-agents': 'GPTBot, ClaudeBot',
      'allow-paths': '/\n/about/?ref=a,b',
      'disallow-paths': '/admin/',
      'check-urls': '25',
      'fail-on': 'WARNING',
      timeout: '30',
    });
    expect(options).toMatchObject({
      checks: ['robots', 'sitemap'],
      require: ['robots'],
      userAgents: ['GPTBot', 'ClaudeBot'],
      allowPaths: ['/', '/about/?ref=a,b'],
      disallowPaths: ['/admin/'],
      checkUrls: 25,
      failOn: 'warning',
      timeoutMs: 30_000,
    });
  });

  it('rejects bad values naming the input, the value and what is accepted', () => {
    expect(() => read({})).toThrow("Give exactly one of 'url'");
    expect(() => read({ url: 'localhost:8000' })).toThrow("Input 'url' has the value 'localhost:8000', which is not accepted");
    expect(() => read({ url: 'http://localhost:8000', 'site-url': 'allthrive.ai' })).toThrow(
      "Input 'site-url' has the value 'allthrive.ai'",
    );
    expect(() => read({ url: 'http://localhost:8000', 'allow-paths': 'about/' })).toThrow("Input 'allow-paths' has the value 'about/'");
    expect(() => read({ url: 'http://localhost:8000', 'fail-on': 'notice' })).toThrow("Input 'fail-on' has the value 'notice'");
    expect(() => read({ url: 'http://localhost:8000', 'check-urls': '-1' })).toThrow("Input 'check-urls' has the value '-1'");
    expect(() => read({ url: 'http://localhost:8000', 'host-header': 'https://allthrive.ai' })).toThrow(
      "Input 'host-header' has the value 'https://allthrive.ai', which is not accepted: expected 'site'",
    );
    expect(() => read({ directory: 'public', 'site-url': 'https://allthrive.ai', start: 'npm start' })).toThrow(
      "Input 'start' runs a server for server mode",
    );
    expect(() => read({ url: 'http://localhost:8000', start: 'npm start', 'wait-timeout': 'soon' })).toThrow(
      "Input 'wait-timeout' has the value 'soon'",
    );
  });

  it('reads start, wait-timeout and host-header', () => {
    expect(
      read({ url: 'http://localhost:8000', start: 'python manage.py runserver --noreload', 'wait-timeout': '2m', 'host-header': 'site' }),
    ).toMatchObject({ start: 'python manage.py runserver --noreload', waitTimeoutMs: 120_000, hostHeader: 'site' });
    expect(read({ url: 'http://localhost:8000', 'host-header': 'staging.allthrive.ai:8443' }).hostHeader).toBe('staging.allthrive.ai:8443');
  });

  it('reads exactly the inputs action.yml declares', () => {
    const metadata = parse(readFileSync(path.join(repoRoot, 'actions', 'seo-validate', 'action.yml'), 'utf8'));
    const inputs = new Inputs(mapInputSource({ url: 'http://localhost:8000' }));
    readOptions(inputs);
    inputs.boolean('summary', true); // read by runAction
    expect([...inputs.read].sort()).toEqual(Object.keys(metadata.inputs).sort());
    for (const [name, spec] of Object.entries(metadata.inputs as Record<string, { description?: string }>))
      expect([name, Boolean(spec.description)]).toEqual([name, true]);
  });
});
