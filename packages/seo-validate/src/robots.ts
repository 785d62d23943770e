/**
 * robots.txt parser and matcher.
 *
 * Hand-written on purpose: deciding exactly what Googlebot (and an RFC 9309 crawler) will and will
 * not crawl is this action's value, and no package on the registry both follows Google's parser
 * line for line (typos, missing colons, BOM prefixes, the 16,663-byte line buffer, `* foo` global
 * groups, the index.html rule) AND reports per-line metadata a linter needs. The behaviour follows
 * RFC 9309 plus Google's documented deviations (google/robotstxt, robots.cc); tests pin both with
 * the reference parser's published cases.
 *
 * The file is handled as bytes: each line is kept as a "binary" string (one char per byte), so a
 * BOM, invalid UTF-8 or raw non-ASCII in a rule is seen as it is on the wire.
 */

/** RFC 9309 §2.5: crawlers must parse at least 500 KiB; Google stops there. */
export const ROBOTS_PARSE_LIMIT = 512_000;
/** Google's line buffer (2083 × 8 bytes) keeps this many bytes of a line; the rest is dropped. */
export const ROBOTS_MAX_LINE_BYTES = 2083 * 8 - 1;

export type RobotsKey = 'user-agent' | 'allow' | 'disallow' | 'sitemap' | 'unused' | 'unknown';

/** Keys Google recognises but ignores (reporting_robots.cc "unused"). */
export const UNUSED_KEYS = new Set([
  'clean-param',
  'content-signal',
  'content-usage',
  'crawl-delay',
  'domain',
  'host',
  'noarchive',
  'nofollow',
  'noindex',
  'request-rate',
  'revisit-after',
  'visit-time',
]);

export interface RobotsLine {
  /** 1-based line number. */
  number: number;
  /** The line's bytes as a binary string (after any leading BOM, truncated at the line buffer). */
  bytes: string;
  /** The line decoded as UTF-8 for messages. */
  text: string;
  /** The directive, when the line has a key and a separator. */
  key?: RobotsKey;
  /** The key as written (trimmed). */
  keyText?: string;
  /** The value (binary string), comment removed and trimmed. */
  value?: string;
  /** The line is only a comment. */
  isComment: boolean;
  isEmpty: boolean;
  /** Google accepted the line because it has exactly two tokens and no colon. */
  missingColon: boolean;
  /** The key was accepted although it is not spelled like the standard key. */
  typo: boolean;
  /** Bytes were dropped because the line is longer than Google's buffer. */
  tooLong: boolean;
  invalidUtf8: boolean;
  /** The line starts with a UTF-8 BOM that is not at the start of the file. */
  bomInside: boolean;
}

export interface ParsedRobots {
  lines: RobotsLine[];
  /** A UTF-8 BOM (or a prefix of one) at the very start, which Google skips. */
  bom: 'full' | 'partial' | undefined;
  /** Bytes after the parse limit, which crawlers ignore. */
  ignoredBytes: number;
  /** `Sitemap:` values in file order, decoded as UTF-8. */
  sitemaps: { url: string; line: number }[];
}

const WHITESPACE = new Set([' ', '\t', '\n', '\v', '\f', '\r']);

function trimSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && WHITESPACE.has(text[start])) start++;
  while (end > start && WHITESPACE.has(text[end - 1])) end--;
  return text.slice(start, end);
}

function decodeUtf8(binary: string): { text: string; valid: boolean } {
  const bytes = Buffer.from(binary, 'latin1');
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), valid: true };
  } catch {
    return { text: new TextDecoder('utf-8').decode(bytes), valid: false };
  }
}

function classifyKey(key: string): { key: RobotsKey; typo: boolean } {
  const lower = key.toLowerCase();
  const exact = (canonical: string) => lower !== canonical;
  if (lower.startsWith('user-agent')) return { key: 'user-agent', typo: exact('user-agent') };
  if (lower.startsWith('useragent') || lower.startsWith('user agent')) return { key: 'user-agent', typo: true };
  if (lower.startsWith('allow')) return { key: 'allow', typo: exact('allow') };
  if (lower.startsWith('disallow')) return { key: 'disallow', typo: exact('disallow') };
  for (const typo of ['dissallow', 'dissalow', 'disalow', 'diasllow', 'disallaw']) {
    if (lower.startsWith(typo)) return { key: 'disallow', typo: true };
  }
  if (lower.startsWith('sitemap')) return { key: 'sitemap', typo: exact('sitemap') };
  if (lower.startsWith('site-map')) return { key: 'sitemap', typo: true };
  if (UNUSED_KEYS.has(lower)) return { key: 'unused', typo: false };
  return { key: 'unknown', typo: false };
}

/**
 * Google's MaybeEscapePattern: bytes outside US-ASCII become %XX and existing %xx escapes are
 * upper-cased, so a rule written with raw UTF-8 matches a percent-encoded URL.
 */
export function escapePattern(binary: string): string {
  let out = '';
  for (let i = 0; i < binary.length; i++) {
    const code = binary.charCodeAt(i);
    if (binary[i] === '%' && /^[0-9a-fA-F]{2}$/.test(binary.slice(i + 1, i + 3))) {
      out += `%${binary.slice(i + 1, i + 3).toUpperCase()}`;
      i += 2;
    } else if (code >= 0x80) {
      out += `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
    } else {
      out += binary[i];
    }
  }
  return out;
}

function parseLine(number: number, raw: string, tooLong: boolean): RobotsLine {
  // Google's parser hands each line to C string functions, so a NUL byte ends the line there.
  const nul = raw.indexOf('\0');
  const bytes = nul >= 0 ? raw.slice(0, nul) : raw;
  const decoded = decodeUtf8(bytes);
  const line: RobotsLine = {
    number,
    bytes,
    text: decoded.text,
    isComment: false,
    isEmpty: false,
    missingColon: false,
    typo: false,
    tooLong,
    invalidUtf8: !decoded.valid,
    bomInside: bytes.startsWith('\xEF\xBB\xBF'),
  };
  const trimmedAll = trimSpace(bytes);
  line.isEmpty = trimmedAll === '';
  line.isComment = trimmedAll.startsWith('#');
  const hash = bytes.indexOf('#');
  const content = trimSpace(hash >= 0 ? bytes.slice(0, hash) : bytes);
  if (!content) return line;
  let separator = content.indexOf(':');
  if (separator < 0) {
    // Google accepts whitespace instead of the colon only when the line has exactly two tokens.
    const space = content.search(/[ \t]/);
    if (space < 0) return line;
    const rest = content.slice(space).replace(/^[ \t]+/, '');
    if (/[ \t]/.test(rest)) return line;
    line.missingColon = true;
    separator = space;
  }
  const keyText = trimSpace(content.slice(0, separator));
  if (!keyText) return line;
  const { key, typo } = classifyKey(keyText);
  line.key = key;
  line.keyText = decodeUtf8(keyText).text;
  line.typo = typo;
  line.value = trimSpace(content.slice(separator + 1));
  return line;
}

/** Parses robots.txt bytes the way Google's parser does, keeping per-line metadata for the linter. */
export function parseRobots(body: Uint8Array): ParsedRobots {
  const limit = Math.min(body.length, ROBOTS_PARSE_LIMIT);
  const binary = Buffer.from(body.buffer, body.byteOffset, limit).toString('latin1');
  const bomBytes = [0xef, 0xbb, 0xbf];
  let start = 0;
  while (start < 3 && start < binary.length && binary.charCodeAt(start) === bomBytes[start]) start++;
  const bom = start === 3 ? 'full' : start > 0 ? 'partial' : undefined;

  const lines: RobotsLine[] = [];
  let current = '';
  let tooLong = false;
  let lastWasCR = false;
  let number = 0;
  const emit = () => {
    lines.push(parseLine(++number, current, tooLong));
    current = '';
    tooLong = false;
  };
  for (let i = start; i < binary.length; i++) {
    const ch = binary[i];
    if (ch === '\n' || ch === '\r') {
      // "\r\n" ends one line, not two.
      const crlfContinuation = current === '' && lastWasCR && ch === '\n';
      if (!crlfContinuation) emit();
      lastWasCR = ch === '\r';
    } else if (current.length < ROBOTS_MAX_LINE_BYTES) {
      current += ch;
    } else {
      tooLong = true;
    }
  }
  emit();

  const sitemaps: ParsedRobots['sitemaps'] = [];
  for (const line of lines) {
    if (line.key === 'sitemap' && line.value) sitemaps.push({ url: decodeUtf8(line.value).text, line: line.number });
  }
  return { lines, bom, ignoredBytes: body.length - limit, sitemaps };
}

/**
 * Google's GetPathParamsQuery: the path, params and query of a URL (scheme, authority and
 * fragment dropped); `/` when there is none.
 */
export function robotsPath(url: string): string {
  let searchStart = 0;
  if (url.length >= 2 && url[0] === '/' && url[1] === '/') searchStart = 2;
  const firstOf = (chars: string, from: number) => {
    for (let i = from; i < url.length; i++) if (chars.includes(url[i])) return i;
    return -1;
  };
  const earlyPath = firstOf('/?;', searchStart);
  let protocolEnd = url.indexOf('://', searchStart);
  if (earlyPath >= 0 && (protocolEnd < 0 || earlyPath < protocolEnd)) protocolEnd = -1;
  protocolEnd = protocolEnd < 0 ? searchStart : protocolEnd + 3;
  const pathStart = firstOf('/?;', protocolEnd);
  if (pathStart < 0) return '/';
  const hash = url.indexOf('#', searchStart);
  if (hash >= 0 && hash < pathStart) return '/';
  const pathEnd = hash < 0 ? url.length : hash;
  const path = url.slice(pathStart, pathEnd);
  return url[pathStart] === '/' ? path : `/${path}`;
}

/**
 * Google's pattern match: `*` matches any run (including `/`), `$` anchors only as the last
 * character, everything else compares byte for byte (case-sensitive) from the path's start.
 */
export function patternMatches(path: string, pattern: string): boolean {
  // Fast paths for the common patterns without '*' (same result as the general loop below).
  if (!pattern.includes('*')) {
    if (pattern.endsWith('$')) return path === pattern.slice(0, -1);
    return path.startsWith(pattern);
  }
  const pathLength = path.length;
  let positions = [0];
  for (let j = 0; j < pattern.length; j++) {
    const ch = pattern[j];
    if (ch === '$' && j + 1 === pattern.length) return positions[positions.length - 1] === pathLength;
    if (ch === '*') {
      const from = positions[0];
      positions = [];
      for (let p = from; p <= pathLength; p++) positions.push(p);
    } else {
      const next: number[] = [];
      for (const p of positions) if (p < pathLength && path[p] === ch) next.push(p + 1);
      if (next.length === 0) return false;
      positions = next;
    }
  }
  return true;
}

export interface RobotsRule {
  allow: boolean;
  /** The pattern after escaping, as matched. */
  pattern: string;
  line: number;
}

/**
 * Which crawler to emulate. `google` (the default) is Google's parser and matcher; `rfc` is an
 * RFC 9309-strict crawler: no missing-colon or misspelled keys, product tokens compared whole,
 * no `* foo` global groups, no index.html rule, percent-encoded unreserved characters decoded
 * before comparison, and /robots.txt always allowed.
 */
export type Profile = 'google' | 'rfc';

/** The rules that apply to one product token, found with Google's group state machine. */
export interface AgentRules {
  agent: string;
  profile: Profile;
  /** Rules of groups naming the agent (merged). */
  specific: RobotsRule[];
  /** Rules of `*` groups (merged). */
  global: RobotsRule[];
  /** A group named the agent (even an empty one): the `*` rules then never apply. */
  hasSpecificGroup: boolean;
  /** Lines of the `User-agent` records that named the agent. */
  groupLines: number[];
  /** The group whose rules apply when Google's crawler has none of its own (Googlebot-Image → Googlebot). */
  fallbackTo?: string;
}

/** Google's ExtractUserAgent: the value up to the first character outside [A-Za-z_-]. */
export function extractUserAgent(value: string): string {
  const match = /^[A-Za-z_-]*/.exec(value);
  return match ? match[0] : '';
}

/** Whether the `User-agent` value is the global `*` (Google also accepts `* anything`). */
export function isGlobalAgent(value: string): boolean {
  return value[0] === '*' && (value.length === 1 || WHITESPACE.has(value[1]));
}

/** A valid product token for the crawler side (IsValidUserAgentToObey). */
export function isValidProductToken(token: string): boolean {
  return /^[A-Za-z_-]+$/.test(token);
}

/**
 * Google's crawlers that obey the Googlebot group when no group names their own token. Google's
 * list of common crawlers gives each of these two robots.txt tokens (for example "Googlebot-Image,
 * Googlebot") and says "you need to match only one crawler token for a rule to apply":
 * https://developers.google.com/crawling/docs/crawlers-fetchers/google-common-crawlers
 * (overview: https://developers.google.com/crawling/docs/crawlers-fetchers/overview-google-crawlers).
 * Crawlers listed there with a single token (Storebot-Google, GoogleOther, Google-Extended…) and
 * every non-Google token keep exact-group semantics.
 */
export const GOOGLEBOT_FALLBACK = new Map([
  ['googlebot-image', 'Googlebot'],
  ['googlebot-video', 'Googlebot'],
  ['googlebot-news', 'Googlebot'],
]);

/**
 * Google's special-case crawlers that ignore the global `*` group: only a group that names their
 * token applies to them ("ignores the global user agent (*) rules"), so `User-agent: *` with
 * `Disallow: /` does not keep AdsBot from an ads landing page. Google-Safety, which ignores
 * robots.txt altogether, is left out: no rule of the file applies to it.
 * https://developers.google.com/crawling/docs/crawlers-fetchers/google-special-case-crawlers
 * RFC 9309 has no such exception, so profile `rfc` applies `*` to them as to any crawler.
 */
export const IGNORES_GLOBAL_GROUP = new Set(['adsbot-google', 'adsbot-google-mobile', 'mediapartners-google', 'apis-google']);

/**
 * Collects the rules for `agent`. `*` stands for a crawler without a group of its own (only the
 * global groups apply). With the google profile, Googlebot-Image/-Video/-News without a group of
 * their own use the Googlebot group (`fallbackFrom` then names the group used).
 */
export function rulesFor(robots: ParsedRobots, agent: string, profile: Profile = 'google'): AgentRules {
  const own = exactRulesFor(robots, agent, profile);
  const fallback = profile === 'google' ? GOOGLEBOT_FALLBACK.get(agent.toLowerCase()) : undefined;
  if (own.hasSpecificGroup || !fallback) return own;
  const parent = exactRulesFor(robots, fallback, profile);
  if (!parent.hasSpecificGroup) return own;
  return { ...parent, agent, fallbackTo: fallback };
}

/** The agent as messages name it, saying which group Google applies when it fell back. */
export function describeAgent(rules: AgentRules): string {
  if (rules.agent === '*') return '*';
  return rules.fallbackTo ? `${rules.agent} (no group of its own, so Google applies the ${rules.fallbackTo} group)` : rules.agent;
}

function exactRulesFor(robots: ParsedRobots, agent: string, profile: Profile): AgentRules {
  const result: AgentRules = { agent, profile, specific: [], global: [], hasSpecificGroup: false, groupLines: [] };
  const rfc = profile === 'rfc';
  let seenGlobal = false;
  let seenSpecific = false;
  let seenSeparator = false;
  const wanted = agent.toLowerCase();
  const obeysGlobal = rfc || !IGNORES_GLOBAL_GROUP.has(wanted);
  for (const line of robots.lines) {
    if (rfc && (line.missingColon || line.typo)) continue;
    if (line.key === 'user-agent') {
      if (seenSeparator) seenGlobal = seenSpecific = seenSeparator = false;
      const value = line.value ?? '';
      if (rfc ? value === '*' : isGlobalAgent(value)) {
        seenGlobal = obeysGlobal;
        if (agent === '*') result.groupLines.push(line.number);
      } else if (agent !== '*' && wanted !== '' && (rfc ? value.toLowerCase() : extractUserAgent(value).toLowerCase()) === wanted) {
        seenSpecific = result.hasSpecificGroup = true;
        result.groupLines.push(line.number);
      }
    } else if (line.key === 'allow' || line.key === 'disallow') {
      if (!seenGlobal && !seenSpecific) continue;
      seenSeparator = true;
      const escaped = escapePattern(line.value ?? '');
      const rule = { allow: line.key === 'allow', pattern: rfc ? decodeUnreserved(escaped) : escaped, line: line.number };
      (seenSpecific ? result.specific : result.global).push(rule);
    }
  }
  return result;
}

export interface Verdict {
  allowed: boolean;
  /** The rule that decided (absent when no rule matched). */
  rule?: RobotsRule;
  /** Which rules were consulted. */
  group: 'specific' | 'global' | 'none';
}

function bestMatch(
  rules: RobotsRule[],
  path: string,
  indexRule: boolean,
): { allow?: RobotsRule; allowPriority: number; disallow?: RobotsRule; disallowPriority: number } {
  const best = {
    allow: undefined as RobotsRule | undefined,
    allowPriority: -1,
    disallow: undefined as RobotsRule | undefined,
    disallowPriority: -1,
  };
  for (const rule of rules) {
    let priority = patternMatches(path, rule.pattern) ? rule.pattern.length : -1;
    if (priority < 0 && rule.allow && indexRule) {
      // Google-only: an Allow for …/index.htm(l) also allows the directory itself.
      const slash = rule.pattern.lastIndexOf('/');
      if (slash >= 0 && rule.pattern.slice(slash).startsWith('/index.htm')) {
        const directory = `${rule.pattern.slice(0, slash + 1)}$`;
        if (patternMatches(path, directory)) priority = directory.length;
      }
    }
    if (priority < 0) continue;
    if (rule.allow && priority > best.allowPriority) {
      best.allow = rule;
      best.allowPriority = priority;
    } else if (!rule.allow && priority > best.disallowPriority) {
      best.disallow = rule;
      best.disallowPriority = priority;
    }
  }
  return best;
}

/**
 * Google's decision: the longest matching pattern wins, allow wins ties, an empty pattern has
 * no effect, and the `*` rules apply only when no group named the agent.
 */
export function evaluate(rules: AgentRules, path: string): Verdict {
  if (rules.profile === 'rfc') {
    // RFC 9309 §2.2.2: /robots.txt is implicitly allowed; unreserved escapes compare decoded.
    if (path === '/robots.txt') return { allowed: true, group: 'none' };
    path = decodeUnreserved(path);
  }
  const google = rules.profile !== 'rfc';
  const decide = (set: RobotsRule[], group: 'specific' | 'global'): Verdict | undefined => {
    const best = bestMatch(set, path, google);
    if (best.allowPriority <= 0 && best.disallowPriority <= 0) return undefined;
    if (best.disallowPriority > best.allowPriority) return { allowed: false, rule: best.disallow, group };
    return { allowed: true, rule: best.allow, group };
  };
  const specific = decide(rules.specific, 'specific');
  if (specific) return specific;
  if (rules.hasSpecificGroup) return { allowed: true, group: 'specific' };
  return decide(rules.global, 'global') ?? { allowed: true, group: rules.global.length ? 'global' : 'none' };
}

/**
 * The rule that disallows `path` for these rules, or undefined when the path is allowed: the same
 * decision as evaluate(), without allocating (it runs for every sitemap URL and agent).
 */
export function blockingRule(rules: AgentRules, path: string): RobotsRule | undefined {
  if (rules.profile === 'rfc') {
    const verdict = evaluate(rules, path);
    return verdict.allowed ? undefined : verdict.rule;
  }
  const pick = (set: RobotsRule[]): RobotsRule | undefined | null => {
    let allowPriority = -1;
    let disallowPriority = -1;
    let disallow: RobotsRule | undefined;
    for (const rule of set) {
      let priority = patternMatches(path, rule.pattern) ? rule.pattern.length : -1;
      if (priority < 0 && rule.allow) {
        const slash = rule.pattern.lastIndexOf('/');
        if (slash >= 0 && rule.pattern.startsWith('/index.htm', slash)) {
          const directory = `${rule.pattern.slice(0, slash + 1)}$`;
          if (patternMatches(path, directory)) priority = directory.length;
        }
      }
      if (priority < 0) continue;
      if (rule.allow) {
        if (priority > allowPriority) allowPriority = priority;
      } else if (priority > disallowPriority) {
        disallowPriority = priority;
        disallow = rule;
      }
    }
    if (allowPriority <= 0 && disallowPriority <= 0) return null; // no decision in this set
    return disallowPriority > allowPriority ? disallow : undefined;
  };
  const specific = pick(rules.specific);
  if (specific !== null) return specific;
  if (rules.hasSpecificGroup) return undefined;
  return pick(rules.global) ?? undefined;
}

const UNRESERVED = /%(2[DE]|3[0-9]|4[1-9A-F]|5[0-9AF]|6[1-9A-F]|7[0-9AE])/gi;

/** RFC 9309 §2.2.2: percent-encoded unreserved characters (A-Z a-z 0-9 - . _ ~) compare decoded. */
export function decodeUnreserved(text: string): string {
  return text.includes('%') ? text.replace(UNRESERVED, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : text;
}

/** Convenience: is `url` allowed for `agent` under `robots` (Google semantics). */
export function isAllowed(robots: ParsedRobots, agent: string, url: string, profile: Profile = 'google'): boolean {
  return evaluate(rulesFor(robots, agent, profile), robotsPath(url)).allowed;
}

/**
 * Percent-encodes what RFC 9309 §2.2.2 says must be encoded before comparison (octets outside
 * US-ASCII) and upper-cases existing escapes, so sitemap URLs with raw UTF-8 compare like
 * crawlers compare them. Google's library leaves this to its caller; we do it for every URL.
 */
export function normalisePathForMatching(path: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(path) && !path.includes('%')) return path;
  return escapePattern(Buffer.from(path, 'utf8').toString('latin1'));
}
