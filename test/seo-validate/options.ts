/** Shared test scaffolding: engine options with the action's defaults, and a copy of the fixture site. */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Options } from '@allthrive/seo-validate';
import { fixtureSite } from './site-server.js';

/** What the action's documented defaults for the checks become in the engine's options. */
export const CHECK_DEFAULTS = {
  checks: ['robots', 'sitemap', 'ai-plugin', 'llms'],
  require: ['robots', 'sitemap'],
  userAgents: ['*', 'Googlebot'],
  allowPaths: [],
  disallowPaths: [],
  checkUrls: 0,
  failOn: 'error',
} satisfies Partial<Options>;

/** The action's defaults (all checks, robots and sitemap required; a 5 s timeout), changed by `overrides`. */
export const engineOptions = (overrides: Partial<Options> = {}): Options => ({
  siteUrl: 'https://allthrive.ai',
  ...CHECK_DEFAULTS,
  timeoutMs: 5000,
  ...overrides,
});

/** A temporary folder holding the fixture site as `public/`, edited by `edit`; returns the folder. */
export function copySite(prefix: string, edit: (dir: string) => void = () => undefined): string {
  const root = mkdtempSync(path.join(tmpdir(), prefix));
  cpSync(fixtureSite, path.join(root, 'public'), { recursive: true });
  edit(path.join(root, 'public'));
  return root;
}
