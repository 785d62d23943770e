/**
 * robots.txt lint: per-line findings for what Google tolerates but other crawlers do not, what no
 * crawler understands, and the file-level disasters (a site blocked for an evaluated agent,
 * failed allow/disallow assertions).
 */
import { clip, type FindingList } from './findings.js';
import {
  ROBOTS_PARSE_LIMIT,
  escapePattern,
  evaluate,
  extractUserAgent,
  isGlobalAgent,
  describeAgent,
  rulesFor,
  type ParsedRobots,
  type Profile,
} from './robots.js';

const CANONICAL: Record<string, string> = { 'user-agent': 'User-agent', allow: 'Allow', disallow: 'Disallow', sitemap: 'Sitemap' };

/** Lints the parsed file's lines. `file` names the file in findings. */
export function lintRobots(robots: ParsedRobots, file: string, findings: FindingList, totalBytes: number, truncated = false): void {
  if (robots.bom === 'full') {
    findings.add(
      'robots-bom',
      'warning',
      file,
      'robots.txt starts with a UTF-8 byte order mark. Google skips it, but RFC 9309 parsers may read the first line as garbage and drop its rule; save the file as UTF-8 without BOM.',
      1,
    );
  } else if (robots.bom === 'partial') {
    findings.add(
      'robots-bom',
      'error',
      file,
      'robots.txt starts with a truncated UTF-8 byte order mark; save the file as UTF-8 without BOM.',
      1,
    );
  }
  if (totalBytes > ROBOTS_PARSE_LIMIT) {
    findings.add(
      'robots-too-large',
      'error',
      file,
      `robots.txt is ${truncated ? 'more than 512,000' : totalBytes} bytes; crawlers stop reading at 500 KiB (${ROBOTS_PARSE_LIMIT} bytes), so every rule after that point is ignored.`,
    );
  }
  let seenAgent = false;
  for (const line of robots.lines) {
    const at = line.number;
    const shown = clip(line.text.trim());
    if (line.bomInside) {
      findings.add(
        'robots-bom',
        'error',
        file,
        `A UTF-8 byte order mark in the middle of the file makes this line unreadable: '${shown}'.`,
        at,
      );
      continue;
    }
    if (line.invalidUtf8) {
      findings.add(
        'robots-encoding',
        'error',
        file,
        `Line is not valid UTF-8 (RFC 9309 §2.3 requires UTF-8); crawlers may misread its rule.`,
        at,
      );
    }
    if (line.tooLong) {
      findings.add(
        'robots-line-too-long',
        'warning',
        file,
        `Line is longer than Google's ${2083 * 8}-byte line buffer; the rest of it is ignored.`,
        at,
      );
    }
    if (!line.key) {
      if (!line.isEmpty && !line.isComment) {
        findings.add(
          'robots-syntax',
          'error',
          file,
          `Syntax not understood: '${shown}'. Lines are \`key: value\` (User-agent, Allow, Disallow, Sitemap) or comments starting with #.`,
          at,
        );
      }
      continue;
    }
    const key = line.key;
    const value = Buffer.from(line.value ?? '', 'latin1').toString('utf8');
    if (line.missingColon) {
      findings.add(
        'robots-missing-colon',
        'error',
        file,
        `Missing colon in '${shown}': Google guesses \`${line.keyText}: ${value}\`, other crawlers ignore the line. Write \`${CANONICAL[key] ?? line.keyText}: ${value}\`.`,
        at,
      );
    }
    if (line.typo && CANONICAL[key]) {
      findings.add(
        'robots-typo',
        'error',
        file,
        `'${line.keyText}' is not a robots.txt directive: only Google reads it as '${CANONICAL[key]}', other crawlers ignore the line.`,
        at,
      );
    }
    switch (key) {
      case 'user-agent': {
        seenAgent = true;
        if (!value) {
          findings.add(
            'robots-empty-user-agent',
            'error',
            file,
            'User-agent line without a product token: the group matches no crawler.',
            at,
          );
        } else if (!isGlobalAgent(value)) {
          const token = extractUserAgent(value);
          if (!token) {
            findings.add(
              'robots-user-agent-token',
              'error',
              file,
              `User-agent '${clip(value)}' matches no crawler: product tokens contain only letters, '-' and '_' (RFC 9309 §2.2.1), and Google cuts the value at the first other character, leaving nothing.`,
              at,
            );
          } else if (token !== value) {
            findings.add(
              'robots-user-agent-token',
              'warning',
              file,
              `User-agent '${clip(value)}' is not a product token: Google reads it as '${token}', RFC 9309 crawlers may not match it. Write 'User-agent: ${token}'.`,
              at,
            );
          }
        } else if (value !== '*') {
          findings.add(
            'robots-user-agent-token',
            'warning',
            file,
            `User-agent '${clip(value)}' is read as '*' by Google only; write 'User-agent: *'.`,
            at,
          );
        }
        break;
      }
      case 'allow':
      case 'disallow': {
        if (!seenAgent) {
          findings.add(
            'robots-rule-outside-group',
            'error',
            file,
            `'${shown}' comes before any User-agent line, so it belongs to no group and every crawler ignores it (RFC 9309 §2.2.2).`,
            at,
          );
        }
        if (value && !value.startsWith('/') && !value.startsWith('*')) {
          findings.add(
            'robots-pattern',
            'error',
            file,
            `Pattern '${clip(value)}' never matches: paths must start with '/' (or '*'); use the path, not a full URL.`,
            at,
          );
        }
        const dollar = value.indexOf('$');
        if (dollar >= 0 && dollar < value.length - 1) {
          findings.add(
            'robots-pattern-dollar',
            'warning',
            file,
            `'$' only anchors at the end of a pattern; in '${clip(value)}' it is a literal character. Use %24 to match a literal '$'.`,
            at,
          );
        }
        break;
      }
      case 'sitemap': {
        let url: URL | undefined;
        try {
          url = new URL(value);
        } catch {
          url = undefined;
        }
        if (!value) findings.add('robots-sitemap-url', 'error', file, 'Sitemap line without a URL.', at);
        else if (!url) {
          findings.add(
            'robots-sitemap-url',
            'error',
            file,
            `Sitemap '${clip(value)}' is not an absolute URL; crawlers ignore relative sitemap locations. Write the full URL, e.g. https://example.com/sitemap.xml.`,
            at,
          );
        } else if (url.protocol !== 'http:' && url.protocol !== 'https:') {
          findings.add('robots-sitemap-url', 'error', file, `Sitemap '${clip(value)}' must be an http or https URL.`, at);
        }
        break;
      }
      case 'unused': {
        const name = line.keyText!.toLowerCase();
        if (name === 'content-signal' || name === 'content-usage') {
          if (!/^[A-Za-z-]+\s*=\s*[A-Za-z]+(\s*,\s*[A-Za-z-]+\s*=\s*[A-Za-z]+)*$/.test(value)) {
            findings.add(
              'robots-content-signal',
              'warning',
              file,
              `${line.keyText} value '${clip(value)}' is not a comma-separated list of key=value pairs (e.g. search=yes, ai-train=no).`,
              at,
            );
          }
        } else {
          findings.add(
            'robots-ignored-directive',
            'notice',
            file,
            `'${line.keyText}' is ignored by Google${name === 'noindex' ? ' (unsupported since 2019; use a noindex meta tag or X-Robots-Tag header)' : ''}; some other crawlers read it.`,
            at,
          );
        }
        break;
      }
      case 'unknown':
        findings.add(
          'robots-unknown-directive',
          'warning',
          file,
          `Unknown directive '${clip(line.keyText ?? '')}': crawlers ignore this line. Known directives are User-agent, Allow, Disallow and Sitemap.`,
          at,
        );
        break;
    }
  }
}

/** The line that decided, for messages. */
function describeRule(robots: ParsedRobots, line?: number): string {
  if (line === undefined) return 'no rule matched';
  const text = robots.lines[line - 1]?.text.trim() ?? '';
  return `line ${line} '${clip(text, 80)}'`;
}

/** Error when `/` is disallowed for an evaluated agent: the whole site would drop out of search. */
export function checkBlocksSite(
  robots: ParsedRobots,
  agents: string[],
  file: string,
  findings: FindingList,
  profile: Profile = 'google',
): void {
  for (const agent of agents) {
    const rules = rulesFor(robots, agent, profile);
    const verdict = evaluate(rules, '/');
    if (!verdict.allowed) {
      findings.add(
        'robots-blocks-site',
        'error',
        file,
        `robots.txt blocks the whole site for ${agent === '*' ? 'every crawler without its own group (*)' : describeAgent(rules)}: '/' is disallowed by ${describeRule(robots, verdict.rule?.line)}.`,
        verdict.rule?.line,
      );
    }
  }
}

/** `allow-paths` / `disallow-paths`: each path must be crawlable / blocked for every agent. */
export function checkAssertions(
  robots: ParsedRobots,
  agents: string[],
  assertions: { allow: string[]; disallow: string[] },
  file: string,
  findings: FindingList,
  profile: Profile = 'google',
): void {
  const cases = [...assertions.allow.map((p) => ({ path: p, want: true })), ...assertions.disallow.map((p) => ({ path: p, want: false }))];
  for (const agent of agents) {
    const rules = rulesFor(robots, agent, profile);
    for (const { path, want } of cases) {
      const verdict = evaluate(rules, escapePattern(Buffer.from(path, 'utf8').toString('latin1')));
      if (verdict.allowed === want) continue;
      findings.add(
        'robots-assertion',
        'error',
        file,
        `${path} must be ${want ? 'crawlable' : 'blocked'} for ${describeAgent(rules)} but is ${verdict.allowed ? 'allowed' : 'disallowed'}: decided by ${describeRule(robots, verdict.rule?.line)}.`,
        verdict.rule?.line ?? rules.groupLines[0],
      );
    }
  }
}
