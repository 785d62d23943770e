/** The action's inputs as an Options object (shared with the root action). */
import { InputError, type Inputs } from '@allthrive/toolkit';
import { CHECKS, type Check, type Options } from './engine.js';

/** A host name or IP address, optionally with a port (what a Host header carries). */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function checkList(inputs: Inputs, name: 'checks' | 'require', values: string[]): Check[] {
  const accepted = `a list of ${CHECKS.join(', ')}`;
  const result: Check[] = [];
  for (const value of values) {
    const match = CHECKS.find((c) => c === value.toLowerCase());
    if (!match)
      throw new InputError(
        name,
        `Input '${name}' has the value '${values.join(',')}', which is not accepted: '${value}' is unknown; expected ${accepted}.`,
      );
    if (!result.includes(match)) result.push(match);
  }
  return result;
}

export function readOptions(inputs: Inputs): Options {
  inputs.exclusive('url', 'directory');
  const url = inputs.optional('url');
  const directory = inputs.optional('directory');
  // Refuses `../x`, `/etc` and symlinks that lead out of GITHUB_WORKSPACE before anything is read.
  // The value itself is kept: the engine resolves it against the same workspace, and findings name
  // files by the path the user wrote.
  if (directory !== undefined) inputs.workspacePath('directory');
  if (!url && !directory) {
    throw new InputError(
      'url',
      "Give exactly one of 'url' (base URL of a running site, e.g. http://localhost:8000) or 'directory' (a folder of built files).",
    );
  }
  if (url && !/^https?:\/\/[^/]+/i.test(url)) {
    throw new InputError(
      'url',
      `Input 'url' has the value '${url}', which is not accepted: expected an absolute http(s) URL such as http://localhost:8000.`,
    );
  }
  const siteUrl = inputs.optional('site-url');
  if (siteUrl !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(siteUrl);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new InputError(
        'site-url',
        `Input 'site-url' has the value '${siteUrl}', which is not accepted: expected the public origin, e.g. https://allthrive.ai.`,
      );
    }
  } else if (directory) {
    throw new InputError(
      'site-url',
      "Input 'site-url' is required with 'directory': expected the public origin the files will be served from, e.g. https://allthrive.ai.",
    );
  }
  const start = inputs.optional('start');
  if (start !== undefined && !url) {
    throw new InputError(
      'start',
      "Input 'start' runs a server for server mode: give 'url' (the address it listens on, e.g. http://localhost:8000), not 'directory'.",
    );
  }
  const hostHeader = inputs.optional('host-header');
  if (hostHeader !== undefined && hostHeader !== 'site' && !HOST.test(hostHeader)) {
    throw new InputError(
      'host-header',
      `Input 'host-header' has the value '${hostHeader}', which is not accepted: expected 'site' (the host of site-url), a host name such as allthrive.ai (optionally with :port), or empty.`,
    );
  }
  const checks = checkList(inputs, 'checks', inputs.list('checks').length ? inputs.list('checks') : [...CHECKS]);
  const requireValues = inputs.string('require', { default: 'robots,sitemap' });
  const require = checkList(
    inputs,
    'require',
    requireValues
      .split(/[,\n]/)
      .map((v) => v.trim())
      .filter(Boolean),
  );
  const userAgents = inputs.list('user-agents');
  for (const agent of userAgents) {
    if (agent !== '*' && !/^[A-Za-z_-]+$/.test(agent)) {
      throw new InputError(
        'user-agents',
        `Input 'user-agents' has the value '${userAgents.join(',')}', which is not accepted: '${agent}' is not a product token; use '*' or tokens of letters, '-' and '_' such as Googlebot or GPTBot.`,
      );
    }
  }
  const paths = (name: 'allow-paths' | 'disallow-paths') => {
    const values = name === 'allow-paths' ? inputs.lines('allow-paths') : inputs.lines('disallow-paths');
    for (const value of values) {
      if (!value.startsWith('/')) {
        throw new InputError(
          name,
          `Input '${name}' has the value '${value}', which is not accepted: expected URL paths starting with '/', one per line (e.g. /about/).`,
        );
      }
    }
    return values;
  };
  return {
    url,
    directory,
    siteUrl,
    checks,
    require,
    userAgents: userAgents.length ? userAgents : ['*', 'Googlebot'],
    allowPaths: paths('allow-paths'),
    disallowPaths: paths('disallow-paths'),
    checkUrls: inputs.integer('check-urls', { default: 0, min: 0, max: 10_000 }),
    failOn: inputs.enumeration('fail-on', ['error', 'warning'] as const, 'error'),
    profile: inputs.enumeration('profile', ['google', 'rfc'] as const, 'google'),
    timeoutMs: inputs.duration('timeout', { default: '15s', bareUnit: 's', minMs: 1000, maxMs: 300_000 }),
    hostHeader,
    start,
    waitTimeoutMs: inputs.duration('wait-timeout', { default: '60s', bareUnit: 's', minMs: 1000, maxMs: 3_600_000 }),
  };
}
