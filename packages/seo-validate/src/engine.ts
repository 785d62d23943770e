/**
 * runValidation: reads robots.txt, the sitemaps it names (and /sitemap.xml), ai-plugin.json and
 * llms.txt from a running server or a build folder, and returns findings plus a per-file record.
 * No AWS; collaborators (HTTP getter, clock, logger, signal) are injected.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { CancelledError, InputError, USER_AGENT, type Clock, type Logger } from '@allthrive/toolkit';
import { checkAiPlugin } from './ai-plugin.js';
import { fetchResource, type HttpGetter } from './fetcher.js';
import { FindingList, clip, reaches, type Finding } from './findings.js';
import { checkLlmsTxt } from './llms-txt.js';
import { checkAssertions, checkBlocksSite, lintRobots } from './robots-lint.js';
import {
  ROBOTS_PARSE_LIMIT,
  blockingRule,
  describeAgent,
  normalisePathForMatching,
  parseRobots,
  rulesFor,
  type AgentRules,
  type ParsedRobots,
  type Profile,
} from './robots.js';
import { MAX_SITEMAP_BYTES, describeHostProblem, isCrossSubmission, validateSitemap, type SitemapEntry } from './sitemap.js';
import { withStartedServer } from './server-process.js';
import { Source, collect, type Loaded } from './source.js';

export const CHECKS = ['robots', 'sitemap', 'ai-plugin', 'llms'] as const;
export type Check = (typeof CHECKS)[number];

export interface Options {
  /** Server mode: base URL of the running site. Exactly one of url / directory. */
  url?: string;
  /** Directory mode: folder with the built files (relative to deps.root or absolute). */
  directory?: string;
  /** Public origin; default: url. */
  siteUrl?: string;
  checks: Check[];
  require: Check[];
  userAgents: string[];
  allowPaths: string[];
  disallowPaths: string[];
  checkUrls: number;
  failOn: 'error' | 'warning';
  /** Crawler semantics for matching: Google's (default) or RFC 9309-strict. */
  profile?: Profile;
  /** Per-request timeout (ms). */
  timeoutMs: number;
  /**
   * Server mode: the Host header sent. `site`: site-url's host plus X-Forwarded-Proto (site-url's
   * scheme); a host name: that host; empty/undefined: the url's own host.
   */
  hostHeader?: string;
  /** Server mode: a shell command that starts the server (run in deps.root, stopped afterwards). */
  start?: string;
  /** How long to wait for `url` to answer after `start` (ms). */
  waitTimeoutMs?: number;
  /** Most sitemap files read (index entries included). */
  maxSitemaps?: number;
}

export interface Deps {
  /** HTTP getter (default: node:http with caps and redirects). */
  fetch?: HttpGetter;
  /** Where a relative `directory` is resolved (GITHUB_WORKSPACE in the action). */
  root?: string;
  logger: Logger;
  clock: Clock;
  signal?: AbortSignal;
}

export interface FileReport {
  kind: Check;
  /** URL or path read. */
  location: string;
  /** `200`, `missing`, `HTTP 503`, `fetch failed`, `not checked`… */
  status: string;
  errors: number;
  warnings: number;
  notices: number;
  /** Kind-specific facts (URL counts, groups, sitemaps found…). */
  details: Record<string, unknown>;
}

export interface ValidationResult {
  mode: 'url' | 'directory';
  siteUrl: string;
  findings: Finding[];
  files: Record<string, FileReport>;
  errors: number;
  warnings: number;
  notices: number;
  /** Whether a finding reaches fail-on. */
  failed: boolean;
  /** Fetch failures (connection refused, timeouts) in order: the first explains most runs. */
  fetchFailures: string[];
}

const ROBOTS_PATH = '/robots.txt';
const SMALL_FILE_LIMIT = 5 * 1024 * 1024;

function isHtml(body: Buffer): boolean {
  const head = body.subarray(0, 512).toString('utf8').trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<head') || head.startsWith('<body');
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** The headers `host-header` asks for (see Options.hostHeader). */
function hostHeaders(value: string | undefined, siteUrl: URL): Record<string, string> | undefined {
  if (!value) return undefined;
  if (value === 'site') return { host: siteUrl.host, 'x-forwarded-proto': siteUrl.protocol.slice(0, -1) };
  return { host: value };
}

/**
 * Checks the site; with `start` (server mode), first starts the server, waits for `url` to answer,
 * and stops it afterwards whatever happens.
 */
export async function runValidation(options: Options, deps: Deps): Promise<ValidationResult> {
  if (!options.start) return validate(options, deps);
  if (!options.url)
    throw new InputError('start', "Input 'start' runs a server for server mode: give 'url' (the address it listens on), not 'directory'.");
  let siteUrl: URL;
  try {
    new URL(options.url);
    siteUrl = new URL(options.siteUrl ?? options.url);
  } catch {
    return validate(options, deps); // reports the bad url or site-url as an input error before anything starts
  }
  return withStartedServer(
    {
      command: options.start,
      cwd: deps.root ?? process.cwd(),
      url: options.url,
      waitTimeoutMs: options.waitTimeoutMs ?? 60_000,
      headers: hostHeaders(options.hostHeader, siteUrl),
      userAgent: `${USER_AGENT} seo-validate`,
      getter: deps.fetch ?? fetchResource,
      logger: deps.logger,
      clock: deps.clock,
      signal: deps.signal,
    },
    () => validate(options, deps),
  );
}

async function validate(options: Options, deps: Deps): Promise<ValidationResult> {
  const { logger, clock, signal } = deps;
  const profile: Profile = options.profile ?? 'google';
  const mode: 'url' | 'directory' = options.url ? 'url' : 'directory';
  let baseUrl: URL | undefined;
  let directory: string | undefined;
  if (mode === 'url') {
    try {
      baseUrl = new URL(options.url!);
    } catch {
      throw new InputError(
        'url',
        `Input 'url' has the value '${options.url}', which is not accepted: expected an absolute http(s) URL such as http://localhost:8000.`,
      );
    }
  } else {
    if (!options.directory)
      throw new InputError('directory', "Give exactly one of 'url' (a running site) or 'directory' (a folder of built files).");
    directory = path.resolve(deps.root ?? process.cwd(), options.directory);
    if (!existsSync(directory) || !statSync(directory).isDirectory()) {
      throw new InputError(
        'directory',
        `Input 'directory' has the value '${options.directory}', which is not accepted: ${directory} is not a folder.`,
      );
    }
  }
  let siteUrl: URL;
  try {
    siteUrl = new URL(options.siteUrl ?? options.url ?? '');
  } catch {
    throw new InputError(
      'site-url',
      `Input 'site-url' has the value '${options.siteUrl ?? ''}', which is not accepted: expected the public origin, e.g. https://allthrive.ai${mode === 'directory' ? ' (required in directory mode)' : ''}.`,
    );
  }
  if (siteUrl.protocol !== 'http:' && siteUrl.protocol !== 'https:') {
    throw new InputError(
      'site-url',
      `Input 'site-url' has the value '${options.siteUrl}', which is not accepted: expected an http or https origin.`,
    );
  }

  const source = new Source({
    mode,
    url: baseUrl,
    directory,
    directoryLabel: options.directory ? path.normalize(options.directory).replace(/\/+$/, '') : undefined,
    siteUrl,
    getter: deps.fetch ?? fetchResource,
    timeoutMs: options.timeoutMs,
    userAgent: `${USER_AGENT} seo-validate`,
    headers: mode === 'url' ? hostHeaders(options.hostHeader, siteUrl) : undefined,
    signal,
  });
  const findings = new FindingList();
  const files: Record<string, FileReport> = {};
  const fetchFailures: string[] = [];
  const checking = new Set(options.checks);
  const required = new Set(options.require);
  const target = mode === 'url' ? baseUrl!.origin : directory!;
  logger.info(
    `Checking ${options.checks.join(', ')} in ${target} (public site ${siteUrl.origin}; agents ${options.userAgents.join(', ')})`,
  );

  const record = (loaded: Loaded, kind: Check, status: string, details: Record<string, unknown> = {}) => {
    files[loaded.file] = { kind, location: loaded.location, status, errors: 0, warnings: 0, notices: 0, details };
    return files[loaded.file];
  };
  const tooLarge = (file: string, label: string) =>
    findings.add(
      'file-too-large',
      'error',
      file,
      `${label} is larger than ${SMALL_FILE_LIMIT / 1024 / 1024} MiB; only the first ${SMALL_FILE_LIMIT / 1024 / 1024} MiB were read.`,
    );
  const throwIfCancelled = () => {
    if (signal?.aborted)
      throw new CancelledError('the run was cancelled; nothing was changed, re-running the step checks again from the start');
  };

  /** Handles the non-ok outcomes common to every file; returns true when the body can be read. */
  const usable = (loaded: Loaded, kind: Check, label: string, isRequired: boolean, missingNote: string): boolean => {
    const o = loaded.outcome;
    switch (o.kind) {
      case 'ok':
        return true;
      case 'failed': {
        const message = `Could not fetch ${loaded.location}: ${o.error}. ${mode === 'url' ? 'Check that the server is running and reachable at that address; ' : ''}${label} was not checked.`;
        fetchFailures.push(message);
        findings.add('fetch-failed', 'error', loaded.file, message);
        record(loaded, kind, 'fetch failed', { error: o.error });
        return false;
      }
      case 'missing':
        findings.add(
          'file-missing',
          isRequired ? 'error' : 'notice',
          loaded.file,
          `${label} is missing${isRequired ? '' : ' (optional)'}: ${missingNote}`,
        );
        record(loaded, kind, 'missing');
        return false;
      case 'too-many-redirects':
        findings.add(
          'too-many-redirects',
          'error',
          loaded.file,
          `${label}: more than 5 redirects (${o.redirects.map((r) => `${r.status} → ${r.to}`).join(', ')}); crawlers give up and treat it as unavailable.`,
        );
        record(loaded, kind, 'too many redirects');
        return false;
      case 'other-origin':
        findings.add(
          'redirect-other-origin',
          'warning',
          loaded.file,
          `${label} redirects (HTTP ${o.status}) from ${o.from} to ${o.to}, another origin; the redirect was not followed and the file was not validated from there. Serve it from the server under test${options.hostHeader ? '' : ' (a canonical-host redirect? set host-header: site, or turn the redirect off in CI)'}.`,
        );
        record(loaded, kind, 'redirected to another origin');
        return false;
      case 'outside':
        findings.add('file-outside', 'error', loaded.file, `${label} at ${loaded.location} cannot be read: ${o.reason}.`);
        record(loaded, kind, 'not read');
        return false;
      case 'status':
        if (o.status === 404 || o.status === 410) {
          findings.add(
            'file-missing',
            isRequired ? 'error' : 'notice',
            loaded.file,
            `${label} is missing (HTTP ${o.status})${isRequired ? '' : ' (optional)'}: ${missingNote}`,
          );
          record(loaded, kind, `HTTP ${o.status}`);
        } else {
          findings.add('http-status', 'error', loaded.file, `${label} answered HTTP ${o.status}; crawlers need 200.`);
          record(loaded, kind, `HTTP ${o.status}`);
        }
        return false;
    }
  };

  // robots.txt ---------------------------------------------------------------------------------
  let robots: ParsedRobots | undefined;
  /** undefined: no robots restrictions; 'all': everything disallowed (5xx / 429). */
  let robotsState: 'parsed' | 'allow-all' | 'disallow-all' = 'allow-all';
  const robotsSitemaps: { url: string; line: number }[] = [];
  let robotsFile = '';
  if (checking.has('robots')) {
    throwIfCancelled();
    const loaded = await source.load(source.publicUrl(ROBOTS_PATH), ROBOTS_PARSE_LIMIT + 1);
    robotsFile = loaded.file;
    const o = loaded.outcome;
    const isRequired = required.has('robots');
    if (o.kind === 'status' && o.status !== 404 && o.status !== 410) {
      if (o.status === 429 || o.status >= 500) {
        robotsState = 'disallow-all';
        findings.add(
          'robots-http-status',
          'error',
          loaded.file,
          `robots.txt answered HTTP ${o.status}: Google treats the whole site as disallowed while robots.txt returns ${o.status === 429 ? '429' : '5xx'} (RFC 9309 §2.3.1.4).`,
        );
      } else {
        findings.add(
          'robots-http-status',
          isRequired ? 'error' : 'warning',
          loaded.file,
          `robots.txt answered HTTP ${o.status}: crawlers treat any 4xx as "no robots.txt" and crawl everything (RFC 9309 §2.3.1.3)${isRequired ? '; robots.txt is required' : ''}.`,
        );
      }
      record(loaded, 'robots', `HTTP ${o.status}`);
    } else if (usable(loaded, 'robots', 'robots.txt', isRequired, 'crawlers treat the site as having no restrictions.')) {
      const ok = o as Extract<typeof o, { kind: 'ok' }>;
      const body = await collect(ok.chunks());
      const report = record(loaded, 'robots', ok.status ? String(ok.status) : 'read');
      if (ok.redirects.length) {
        findings.add(
          'robots-redirect',
          'notice',
          loaded.file,
          `robots.txt is reached through ${ok.redirects.length} redirect(s): ${ok.redirects.map((r) => `${r.status} → ${r.to}`).join(', ')}. Crawlers follow up to 5 and apply the rules to ${siteUrl.host}.`,
        );
      }
      if (mode === 'url' && mediaType(ok.contentType) !== 'text/plain') {
        findings.add(
          'robots-content-type',
          'warning',
          loaded.file,
          `robots.txt is served as '${ok.contentType ?? '(no Content-Type)'}'; RFC 9309 §2.3 requires text/plain (Django: TemplateView.as_view(..., content_type="text/plain")).`,
        );
      }
      if (ok.decodeError) findings.add('robots-encoding', 'error', loaded.file, `robots.txt body could not be decoded: ${ok.decodeError}.`);
      if (isHtml(body)) {
        findings.add(
          'robots-html',
          'error',
          loaded.file,
          'robots.txt is an HTML page (an error page or an SPA fallback?); crawlers find no rules in it. Serve a plain-text robots.txt.',
        );
        report.status = `${report.status} (HTML)`;
      } else {
        robots = parseRobots(body);
        robotsState = 'parsed';
        lintRobots(robots, loaded.file, findings, ok.size, ok.truncated);
        checkBlocksSite(robots, options.userAgents, loaded.file, findings, profile);
        checkAssertions(
          robots,
          options.userAgents,
          { allow: options.allowPaths, disallow: options.disallowPaths },
          loaded.file,
          findings,
          profile,
        );
        robotsSitemaps.push(...robots.sitemaps);
        const groups = robots.lines.filter((l) => l.key === 'user-agent').length;
        report.details = {
          bytes: ok.size,
          lines: robots.lines.length,
          userAgentLines: groups,
          sitemaps: robots.sitemaps.map((s) => s.url),
        };
        logger.info(`robots.txt: ${ok.size} bytes, ${robots.lines.length} lines, ${robots.sitemaps.length} Sitemap line(s)`);
      }
    }
    if (robotsState !== 'parsed' && (options.allowPaths.length || options.disallowPaths.length)) {
      const verdict = robotsState === 'disallow-all' ? 'disallowed (robots.txt answers 5xx/429)' : 'allowed (no robots.txt rules)';
      for (const p of options.allowPaths)
        if (robotsState === 'disallow-all')
          findings.add('robots-assertion', 'error', robotsFile, `${p} must be crawlable but every path is ${verdict}.`);
      for (const p of options.disallowPaths)
        if (robotsState === 'allow-all')
          findings.add('robots-assertion', 'error', robotsFile, `${p} must be blocked but every path is ${verdict}.`);
    }
  }
  const agentRules: AgentRules[] = robots ? options.userAgents.map((agent) => rulesFor(robots!, agent, profile)) : [];

  // sitemaps -----------------------------------------------------------------------------------
  const sampled: { path: string; file: string; line: number }[] = [];
  if (checking.has('sitemap')) {
    const queue: { url: URL; from?: { file: string; line: number; index: boolean }; viaRobots: boolean }[] = [];
    const queued = new Set<string>();
    for (const entry of robotsSitemaps) {
      let url: URL;
      try {
        url = new URL(entry.url);
      } catch {
        continue; // robots-sitemap-url already reported it.
      }
      const problem = describeHostProblem(url, siteUrl);
      const hint = options.siteUrl ? '' : ' (if that is the public origin, set the site-url input to it)';
      if (problem && !source.isLocal(url) && isCrossSubmission(url, siteUrl)) {
        findings.add(
          'robots-sitemap-cross-host',
          'notice',
          robotsFile,
          `Sitemap ${clip(entry.url)} is hosted on ${url.host}, not on ${siteUrl.host}: a cross-submitted sitemap, which sitemaps.org allows when the site's robots.txt names it. It was not checked: seo-validate reads only ${mode === 'url' ? 'the server at url' : 'the directory'} (check it where it is built).`,
          entry.line,
        );
        continue;
      }
      if (problem && !source.isLocal(url)) {
        findings.add(
          'robots-sitemap-host',
          'error',
          robotsFile,
          `Sitemap ${clip(entry.url)} ${problem}${hint}; it was not read.`,
          entry.line,
        );
        continue;
      }
      if (problem) findings.add('robots-sitemap-host', 'error', robotsFile, `Sitemap ${clip(entry.url)} ${problem}.`, entry.line);
      const key = url.pathname + url.search;
      if (queued.has(key)) continue;
      queued.add(key);
      queue.push({ url: source.publicUrl(key), from: { file: robotsFile, line: entry.line, index: false }, viaRobots: true });
    }
    const fallbackOnly = queue.length === 0;
    if (!queued.has('/sitemap.xml')) {
      queued.add('/sitemap.xml');
      queue.push({ url: source.publicUrl('/sitemap.xml'), viaRobots: false });
    }
    const maxSitemaps = options.maxSitemaps ?? 1000;
    let read = 0;
    let urlTotal = 0;
    const agentsForCheck = robotsState === 'parsed' ? agentRules : [];
    while (queue.length) {
      throwIfCancelled();
      const item = queue.shift()!;
      if (read >= maxSitemaps) {
        findings.add(
          'sitemap-limit',
          'notice',
          item.from?.file ?? '',
          `Stopped after ${maxSitemaps} sitemap files; ${queue.length + 1} more were not read.`,
        );
        break;
      }
      read++;
      const loaded = await source.load(item.url, MAX_SITEMAP_BYTES + 1);
      const isFallback = !item.from;
      // /sitemap.xml is only required when nothing else names a sitemap.
      const isRequired = item.from ? true : required.has('sitemap') && fallbackOnly;
      if (
        isFallback &&
        !fallbackOnly &&
        (loaded.outcome.kind === 'missing' || (loaded.outcome.kind === 'status' && loaded.outcome.status === 404))
      ) {
        continue; // robots.txt names the sitemaps; a missing /sitemap.xml is fine then.
      }
      const label = item.from ? `Sitemap ${item.url.href} (listed in ${item.from.file} line ${item.from.line})` : 'sitemap.xml';
      if (!usable(loaded, 'sitemap', label, isRequired, 'crawlers find the site\u2019s pages only by following links.')) continue;
      const ok = loaded.outcome as Extract<Loaded['outcome'], { kind: 'ok' }>;
      if (mode === 'url') {
        const type = mediaType(ok.contentType);
        if (type === 'text/html') {
          findings.add(
            'sitemap-content-type',
            'warning',
            loaded.file,
            `Sitemap is served as text/html; use application/xml (or application/gzip for .gz).`,
          );
        }
      }
      if (ok.decodeError) findings.add('sitemap-gzip', 'error', loaded.file, `The response could not be decoded: ${ok.decodeError}.`);
      const report = record(loaded, 'sitemap', ok.status ? String(ok.status) : 'read');
      const file = loaded.file;
      const result = await validateSitemap(ok.chunks(), {
        file,
        publicUrl: item.url,
        siteUrl,
        skipPathScope: item.viaRobots,
        now: clock.now(),
        findings,
        onUrl: (entry: SitemapEntry, path: string) => {
          urlTotal++;
          if (options.checkUrls > 0 && sampled.length < 1_000_000) sampled.push({ path, file, line: entry.line });
          if (!agentsForCheck.length) return;
          const matchPath = normalisePathForMatching(path);
          for (const rules of agentsForCheck) {
            const blocking = blockingRule(rules, matchPath);
            if (blocking) {
              const rule = `${robotsFile} line ${blocking.line} '${clip(robots!.lines[blocking.line - 1].text.trim(), 60)}'`;
              findings.add(
                'sitemap-blocked',
                'error',
                file,
                `${clip(entry.loc)} is in the sitemap but robots.txt blocks it for ${describeAgent(rules)} (${rule}).`,
                entry.line,
              );
            }
          }
        },
      });
      if (robotsState === 'disallow-all' && result.urls > 0) {
        findings.add(
          'sitemap-blocked',
          'error',
          file,
          `robots.txt answers 5xx/429, so crawlers treat all ${result.urls} URLs of this sitemap as disallowed.`,
        );
      }
      report.details = { type: result.kind, urls: result.urls, sitemaps: result.children.length, bytes: result.bytes, gzip: result.gzip };
      logger.info(
        `${file}: ${result.kind === 'sitemapindex' ? `sitemap index with ${result.children.length} sitemap(s)` : `${result.urls} URL(s)`}${result.gzip ? ' (gzip)' : ''}`,
      );
      if (item.from?.index && result.kind === 'sitemapindex') {
        findings.add(
          'sitemap-nested-index',
          'error',
          file,
          `A sitemap index lists another sitemap index (${item.from.file} line ${item.from.line}); crawlers do not follow nested indexes.`,
        );
        continue;
      }
      for (const child of result.children) {
        const url = new URL(child.loc);
        const key = url.pathname + url.search;
        if (queued.has(key)) continue;
        queued.add(key);
        queue.push({ url: source.publicUrl(key), from: { file, line: child.line, index: true }, viaRobots: false });
      }
    }
    logger.info(`Sitemaps: ${read} file(s), ${urlTotal} URL(s) on ${siteUrl.origin}`);
  }

  // ai-plugin.json -----------------------------------------------------------------------------
  if (checking.has('ai-plugin')) {
    throwIfCancelled();
    const loaded = await source.load(source.publicUrl('/.well-known/ai-plugin.json'), SMALL_FILE_LIMIT);
    if (
      usable(
        loaded,
        'ai-plugin',
        '/.well-known/ai-plugin.json',
        required.has('ai-plugin'),
        'agent tools that look for a plugin manifest find none.',
      )
    ) {
      const ok = loaded.outcome as Extract<Loaded['outcome'], { kind: 'ok' }>;
      const body = await collect(ok.chunks());
      const report = record(loaded, 'ai-plugin', ok.status ? String(ok.status) : 'read');
      if (ok.truncated) tooLarge(loaded.file, 'ai-plugin.json');
      if (mode === 'url' && mediaType(ok.contentType) !== 'application/json') {
        findings.add(
          'ai-plugin-content-type',
          'warning',
          loaded.file,
          `ai-plugin.json is served as '${ok.contentType ?? '(no Content-Type)'}'; use application/json.`,
        );
      }
      const manifest = checkAiPlugin(body, loaded.file, siteUrl, findings);
      if (manifest.apiUrl) {
        const api = await source.load(manifest.apiUrl, SMALL_FILE_LIMIT);
        const reachable = api.outcome.kind === 'ok';
        report.details = { apiUrl: manifest.apiUrl.href, apiReachable: reachable };
        if (!reachable) {
          const why =
            api.outcome.kind === 'status'
              ? `HTTP ${api.outcome.status}`
              : api.outcome.kind === 'failed'
                ? api.outcome.error
                : api.outcome.kind === 'missing'
                  ? 'no such file'
                  : api.outcome.kind;
          findings.add(
            'ai-plugin-api-unreachable',
            'error',
            loaded.file,
            `api.url ${manifest.apiUrl.href} cannot be read (${why}; read from ${api.location}).`,
          );
        }
      }
    }
  }

  // llms.txt -----------------------------------------------------------------------------------
  if (checking.has('llms')) {
    throwIfCancelled();
    const loaded = await source.load(source.publicUrl('/llms.txt'), SMALL_FILE_LIMIT);
    if (usable(loaded, 'llms', 'llms.txt', required.has('llms'), 'an llms.txt is optional (llmstxt.org).')) {
      const ok = loaded.outcome as Extract<Loaded['outcome'], { kind: 'ok' }>;
      const body = await collect(ok.chunks());
      const report = record(loaded, 'llms', ok.status ? String(ok.status) : 'read');
      if (ok.truncated) tooLarge(loaded.file, 'llms.txt');
      const type = mediaType(ok.contentType);
      if (mode === 'url' && type !== 'text/plain' && type !== 'text/markdown') {
        findings.add(
          'llms-content-type',
          'warning',
          loaded.file,
          `llms.txt is served as '${ok.contentType ?? '(no Content-Type)'}'; use text/plain or text/markdown.`,
        );
      }
      const summary = checkLlmsTxt(body, loaded.file, siteUrl, findings);
      report.details = { title: summary.title, sections: summary.sections };
    }
  }

  // check-urls ---------------------------------------------------------------------------------
  if (options.checkUrls > 0 && sampled.length) {
    if (mode !== 'url') {
      findings.add('check-urls', 'notice', '', `check-urls requests pages from a running server; in directory mode it is skipped.`);
    } else {
      const count = Math.min(options.checkUrls, sampled.length);
      const picks = Array.from({ length: count }, (_, i) => sampled[Math.floor((i * sampled.length) / count)]);
      logger.info(`Requesting ${count} of ${sampled.length} sitemap URL(s)`);
      let next = 0;
      const worker = async () => {
        while (next < picks.length) {
          throwIfCancelled();
          const pick = picks[next++];
          const url = source.publicUrl(pick.path);
          const loaded = await source.load(url, 64 * 1024);
          const o = loaded.outcome;
          if (o.kind === 'ok') {
            if (o.redirects.length) {
              findings.add(
                'sitemap-url-redirect',
                'warning',
                pick.file,
                `${url.href} redirects (${o.redirects.map((r) => `${r.status} → ${r.to}`).join(', ')}); list the final URL in the sitemap.`,
                pick.line,
              );
            }
          } else {
            const why =
              o.kind === 'status'
                ? `HTTP ${o.status}`
                : o.kind === 'failed'
                  ? o.error
                  : o.kind === 'too-many-redirects'
                    ? 'more than 5 redirects'
                    : o.kind === 'other-origin'
                      ? `a redirect to another origin (${o.to}), not followed`
                      : o.kind;
            findings.add(
              'sitemap-url-status',
              'error',
              pick.file,
              `${url.href} (read from ${loaded.location}) answered ${why}; sitemaps should list only pages that answer 200.`,
              pick.line,
            );
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(4, count) }, worker));
    }
  }

  const totals = findings.finish();
  for (const [file, report] of Object.entries(files)) Object.assign(report, findings.totalsFor(file));
  const failed = findings.items.some((f) => reaches(f.severity, options.failOn));
  return { mode, siteUrl: siteUrl.origin, findings: findings.items, files, ...totals, failed, fetchFailures };
}
