import { describe, expect, it } from '@jest/globals';
import { FindingList, checkAssertions, checkBlocksSite, lintRobots, parseRobots } from '@allthrive/seo-validate';
import { itMapsEach } from '../harness/maps-each.js';

function lint(body: string | Buffer) {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const findings = new FindingList();
  lintRobots(parseRobots(bytes), 'robots.txt', findings, bytes.length);
  return findings.items.map((f) => ({ rule: f.rule, severity: f.severity, line: f.line, message: f.message }));
}
const rules = (body: string | Buffer) => lint(body).map((f) => `${f.rule}@${f.line ?? '-'}:${f.severity}`);

describe('robots.txt lint: one fixture per rule, with line numbers', () => {
  it('accepts clean files, including the ones Lighthouse accepts', () => {
    expect(lint('#just a comment\n')).toEqual([]);
    expect(lint('user-agent:*\ndisallow:\n')).toEqual([]);
    expect(lint('USER-AGENT:  *\nALLOW:    /         \nDISALLOW:#comment\n')).toEqual([]);
    expect(
      lint('User-agent: *\nDisallow: /admin/\n\nUser-agent: GPTBot\nDisallow: /\n\nSitemap: https://allthrive.ai/sitemap.xml\n'),
    ).toEqual([]);
    expect(lint('User-agent: *\nDisallow: *.gif$\nAllow: /publications/\n')).toEqual([]);
  });

  it('robots-bom: a leading BOM is a warning, a partial one an error, one mid-file spoils that line', () => {
    expect(rules(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('User-agent: *\nDisallow:\n')]))).toEqual([
      'robots-bom@1:warning',
    ]);
    expect(rules(Buffer.concat([Buffer.from([0xef, 0xbb]), Buffer.from('User-agent: *\nDisallow:\n')]))).toEqual(['robots-bom@1:error']);
    expect(rules(Buffer.concat([Buffer.from('User-agent: *\n'), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Disallow: /x\n')]))).toEqual([
      'robots-bom@2:error',
    ]);
  });

  it('robots-encoding: invalid UTF-8 is seen, not replaced', () => {
    expect(rules(Buffer.concat([Buffer.from('User-agent: *\nDisallow: /caf'), Buffer.from([0xe9]), Buffer.from('/\n')]))).toEqual([
      'robots-encoding@2:error',
    ]);
  });

  it('robots-too-large: more than 500 KiB', () => {
    const body = `User-agent: *\n${'Disallow: /private/path/\n'.repeat(22_000)}`;
    expect(Buffer.byteLength(body)).toBeGreaterThan(512_000);
    expect(rules(body)).toContain('robots-too-large@-:error');
  });

  it('robots-line-too-long: beyond Google’s 16,664-byte buffer', () => {
    expect(rules(`User-agent: *\nDisallow: /${'a'.repeat(17_000)}\n`)).toEqual(['robots-line-too-long@2:warning']);
  });

  it('robots-syntax: a line without key and value', () => {
    expect(lint('User-agent: *\nabsolutely random line\n')).toEqual([
      expect.objectContaining({
        rule: 'robots-syntax',
        line: 2,
        severity: 'error',
        message: expect.stringContaining("'absolutely random line'"),
      }),
    ]);
  });

  it('robots-missing-colon: Google guesses, other crawlers ignore', () => {
    expect(lint('User-agent: *\ndisallow /admin\n')).toEqual([
      expect.objectContaining({ rule: 'robots-missing-colon', line: 2, message: expect.stringContaining('Write `Disallow: /admin`') }),
    ]);
  });

  itMapsEach('robots-typo: useragent, disalow, site-map are Google-only spellings: %j gives %j', rules, [
    [
      'useragent: *\ndisalow: /x\nsite-map: https://a.example/sitemap.xml\n',
      ['robots-typo@1:error', 'robots-typo@2:error', 'robots-typo@3:error'],
    ],
  ]);

  itMapsEach('robots-empty-user-agent and robots-user-agent-token: %j gives %j', rules, [
    ['User-agent:\nDisallow: /\n', ['robots-empty-user-agent@1:error']],
    ['User-agent: Googlebot/2.1\nDisallow: /x\n', ['robots-user-agent-token@1:warning']],
    ['User-agent: 360Spider\nDisallow: /x\n', ['robots-user-agent-token@1:error']],
    ['User-agent: * foo\nDisallow: /x\n', ['robots-user-agent-token@1:warning']],
  ]);

  itMapsEach('robots-rule-outside-group: rules before the first User-agent are ignored by everyone: %j gives %j', rules, [
    ['Disallow: /admin/\nUser-agent: *\nDisallow: /x\n', ['robots-rule-outside-group@1:error']],
  ]);

  itMapsEach('robots-pattern and robots-pattern-dollar: %j gives %j', rules, [
    [
      'User-agent: *\nallow: https://cant.be/absolute\nallow: must/start/with/a/slash\n',
      ['robots-pattern@2:error', 'robots-pattern@3:error'],
    ],
    ['User-agent: *\nallow: /dolar/sign$in/the/middle\n', ['robots-pattern-dollar@2:warning']],
  ]);

  itMapsEach('robots-sitemap-url: relative, empty and non-http sitemap URLs: %j gives %j', rules, [
    [
      'sitemap: /cant/be/relative.xml\nsitemap:#cant be empty\nsitemap: ftp://files.example/sitemap.xml\n',
      ['robots-sitemap-url@1:error', 'robots-sitemap-url@2:error', 'robots-sitemap-url@3:error'],
    ],
  ]);

  itMapsEach('robots-unknown-directive, robots-ignored-directive and robots-content-signal: %j gives %j', rules, [
    ['User-agent: *\nunicorns: yes\n', ['robots-unknown-directive@2:warning']],
    ['User-agent: *\nCrawl-delay: 10\nNoindex: /x\n', ['robots-ignored-directive@2:notice', 'robots-ignored-directive@3:notice']],
    ['User-agent: *\nContent-Signal: search=yes, ai-train=no\n', []],
    ['User-agent: *\nContent-Signal: search yes\n', ['robots-content-signal@2:warning']],
  ]);
});

describe('robots.txt site-level checks', () => {
  const check = (body: string, agents: string[], assertions = { allow: [] as string[], disallow: [] as string[] }) => {
    const robots = parseRobots(Buffer.from(body));
    const findings = new FindingList();
    checkBlocksSite(robots, agents, 'robots.txt', findings);
    checkAssertions(robots, agents, assertions, 'robots.txt', findings);
    return findings.items;
  };

  it('robots-blocks-site: Disallow: / for an evaluated agent, naming the deciding line', () => {
    const found = check('User-agent: *\nDisallow: /\n', ['*', 'Googlebot']);
    expect(found.map((f) => [f.rule, f.line])).toEqual([
      ['robots-blocks-site', 2],
      ['robots-blocks-site', 2],
    ]);
    expect(found[1].message).toContain("Googlebot: '/' is disallowed by line 2 'Disallow: /'");
  });

  it('robots-blocks-site: an agent with its own open group is not blocked by *', () => {
    expect(check('User-agent: *\nDisallow: /\n\nUser-agent: Googlebot\nAllow: /\n', ['Googlebot'])).toEqual([]);
    expect(check('User-agent: *\nDisallow: /\n\nUser-agent: Googlebot\nAllow: /\n', ['*']).map((f) => f.rule)).toEqual([
      'robots-blocks-site',
    ]);
  });

  it('robots-assertion: names the path, the agent and the deciding rule line', () => {
    const body = 'User-agent: *\nDisallow: /admin/\nAllow: /admin/login\n\nUser-agent: GPTBot\nDisallow: /\n';
    const found = check(body, ['*', 'GPTBot'], { allow: ['/about/', '/admin/login'], disallow: ['/admin/users', '/?search=x'] }).filter(
      (f) => f.rule === 'robots-assertion',
    );
    expect(found.map((f) => f.message)).toEqual([
      '/?search=x must be blocked for * but is allowed: decided by no rule matched.',
      "/about/ must be crawlable for GPTBot but is disallowed: decided by line 6 'Disallow: /'.",
      "/admin/login must be crawlable for GPTBot but is disallowed: decided by line 6 'Disallow: /'.",
    ]);
    expect(found.map((f) => f.line)).toEqual([1, 6, 6]);
  });

  it('robots-assertion: paths with queries and raw UTF-8 are matched as crawlers encode them', () => {
    const body = 'User-agent: *\nDisallow: /*?q=\nDisallow: /café/\n';
    expect(check(body, ['*'], { allow: [], disallow: ['/search?q=shoes', '/café/menu', '/caf%C3%A9/menu'] })).toEqual([]);
  });
});
