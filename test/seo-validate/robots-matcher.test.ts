/**
 * The matcher against the published test cases of Google's reference parser (google/robotstxt
 * robots_test.cc, Apache-2.0; cases restated here as data) and the RFC 9309 §5 examples.
 * `allowed(robots, agent, url)` mirrors the reference test's IsUserAgentAllowed.
 */
import { describe, expect, it } from '@jest/globals';
import { escapePattern, isAllowed, isValidProductToken, parseRobots, robotsPath } from '@allthrive/seo-validate';

const allowed = (robotstxt: string | Buffer, agent: string, url: string) =>
  isAllowed(parseRobots(typeof robotstxt === 'string' ? Buffer.from(robotstxt, 'utf8') : robotstxt), agent, url);

/** One test vector: may `agent` fetch `url` under this robots.txt (the reference test's IsUserAgentAllowed)? */
interface Vector {
  robots: string;
  agent: string;
  url: string;
  allowed: boolean;
}

/** The vectors of one robots.txt: every [url, allowed] verdict, for every agent named. */
const verdicts = (robots: string, agents: string | string[], urls: [url: string, allowed: boolean][]): Vector[] =>
  [agents].flat().flatMap((agent) => urls.map(([url, isAllowedUrl]) => ({ robots, agent, url, allowed: isAllowedUrl })));

/** A one-line, bounded rendering for a test title (robots.txt bodies and URLs reach 16 KiB in LineTooLong). */
const shown = (text: string) => {
  const json = JSON.stringify(text);
  return json.length > 72 ? `${json.slice(0, 71)}…` : json;
};

/** Each vector is its own test, so a failure names the robots.txt, agent and URL that disagree. */
const checkVectors = (vectors: Vector[]) =>
  it.each(
    vectors.map((v, i): [string, Vector] => [
      `#${i + 1}: ${shown(v.agent)} ${v.allowed ? 'may' : 'may not'} fetch ${shown(v.url)} under ${shown(v.robots)}`,
      v,
    ]),
  )('%s', (_title, { robots, agent, url, allowed: expected }) => {
    expect({ robots, agent, url, allowed: allowed(robots, agent, url) }).toEqual({ robots, agent, url, allowed: expected });
  });

describe('Google reference parser cases (GoogleOnly_ / ID_ tests of robots_test.cc)', () => {
  describe('GoogleOnly_SystemTest: empty file, empty agent and empty URL', () => {
    const robotstxt = 'user-agent: FooBot\ndisallow: /\n';
    checkVectors([
      ...verdicts('', 'FooBot', [['', true]]),
      ...verdicts(robotstxt, '', [['', true]]),
      ...verdicts(robotstxt, 'FooBot', [['', false]]),
      ...verdicts('', '', [['', true]]),
    ]);
  });

  describe('ID_LineSyntax_Line: key-value lines, unknown keys ignored, missing colon accepted (Google)', () => {
    const url = 'http://foo.bar/x/y';
    checkVectors([
      ...verdicts('user-agent: FooBot\ndisallow: /\n', 'FooBot', [[url, false]]),
      ...verdicts('foo: FooBot\nbar: /\n', 'FooBot', [[url, true]]),
      ...verdicts('user-agent FooBot\ndisallow /\n', 'FooBot', [[url, false]]),
    ]);
  });

  describe('ID_LineSyntax_Groups: rules outside groups ignored, blank lines do not end groups, same-agent groups merged', () => {
    const robotstxt =
      'allow: /foo/bar/\n\nuser-agent: FooBot\ndisallow: /\nallow: /x/\nuser-agent: BarBot\ndisallow: /\nallow: /y/\n\n\nallow: /w/\nuser-agent: BazBot\n\nuser-agent: FooBot\nallow: /z/\ndisallow: /\n';
    checkVectors([
      ...verdicts(robotstxt, 'FooBot', [
        ['http://foo.bar/x/b', true],
        ['http://foo.bar/z/d', true],
        ['http://foo.bar/y/c', false],
      ]),
      ...verdicts(robotstxt, 'BarBot', [
        ['http://foo.bar/y/c', true],
        ['http://foo.bar/w/a', true],
        ['http://foo.bar/z/d', false],
      ]),
      ...verdicts(robotstxt, 'BazBot', [['http://foo.bar/z/d', true]]),
      ...verdicts(robotstxt, ['FooBot', 'BarBot', 'BazBot'], [['http://foo.bar/foo/bar/', false]]),
    ]);
  });

  describe('ID_LineSyntax_Groups_OtherRules: Sitemap and unknown lines do not close a group', () => {
    checkVectors([
      ...verdicts('User-agent: BarBot\nSitemap: https://foo.bar/sitemap\nUser-agent: *\nDisallow: /\n', 'BarBot', [
        ['http://foo.bar/', false],
      ]),
      ...verdicts('User-agent: FooBot\nInvalid-Unknown-Line: unknown\nUser-agent: *\nDisallow: /\n', 'FooBot', [
        ['http://foo.bar/', false],
      ]),
    ]);
  });

  /** Case tests: every spelling of one file lets the agents fetch /x/y and not /a/b. */
  const onlyXAllowed = (spellings: string[], agents: string | string[]) =>
    spellings.flatMap((robotstxt) =>
      verdicts(robotstxt, agents, [
        ['http://foo.bar/x/y', true],
        ['http://foo.bar/a/b', false],
      ]),
    );

  describe('ID_REPLineNamesCaseInsensitive', () => {
    checkVectors(
      onlyXAllowed(
        [
          'USER-AGENT: FooBot\nALLOW: /x/\nDISALLOW: /\n',
          'user-agent: FooBot\nallow: /x/\ndisallow: /\n',
          'uSeR-aGeNt: FooBot\nAlLoW: /x/\ndIsAlLoW: /\n',
        ],
        'FooBot',
      ),
    );
  });

  it('ID_VerifyValidUserAgentsToObey', () => {
    for (const token of ['Foobot', 'Foobot-Bar', 'Foo_Bar']) expect(isValidProductToken(token)).toBe(true);
    for (const token of ['', 'ツ', 'Foobot*', ' Foobot ', 'Foobot/2.1', 'Foobot Bar']) expect(isValidProductToken(token)).toBe(false);
  });

  describe('ID_UserAgentValueCaseInsensitive', () => {
    checkVectors(
      onlyXAllowed(
        [
          'User-Agent: FOO BAR\nAllow: /x/\nDisallow: /\n',
          'User-Agent: foo bar\nAllow: /x/\nDisallow: /\n',
          'User-Agent: FoO bAr\nAllow: /x/\nDisallow: /\n',
        ],
        ['Foo', 'foo'],
      ),
    );
  });

  describe('GoogleOnly_AcceptUserAgentUpToFirstSpace', () => {
    const robotstxt = 'User-Agent: *\nDisallow: /\nUser-Agent: Foo Bar\nAllow: /x/\nDisallow: /\n';
    checkVectors([
      ...verdicts(robotstxt, 'Foo', [['http://foo.bar/x/y', true]]),
      ...verdicts(robotstxt, 'Foo Bar', [['http://foo.bar/x/y', false]]),
    ]);
  });

  describe('ID_GlobalGroups_Secondary: * only when no group names the agent; no match and no * allows', () => {
    const url = 'http://foo.bar/x/y';
    const globalAndFooBot = 'user-agent: *\nallow: /\nuser-agent: FooBot\ndisallow: /\n';
    checkVectors([
      ...verdicts('', 'FooBot', [[url, true]]),
      ...verdicts(globalAndFooBot, 'FooBot', [[url, false]]),
      ...verdicts(globalAndFooBot, 'BarBot', [[url, true]]),
      ...verdicts('user-agent: FooBot\nallow: /\nuser-agent: BarBot\ndisallow: /\nuser-agent: BazBot\ndisallow: /\n', 'QuxBot', [
        [url, true],
      ]),
    ]);
  });

  describe('ID_AllowDisallow_Value_CaseSensitive', () => {
    checkVectors([
      ...verdicts('user-agent: FooBot\ndisallow: /x/\n', 'FooBot', [['http://foo.bar/x/y', false]]),
      ...verdicts('user-agent: FooBot\ndisallow: /X/\n', 'FooBot', [['http://foo.bar/x/y', true]]),
    ]);
  });

  describe('ID_LongestMatch: most octets wins, allow wins ties, empty patterns have no effect', () => {
    const url = 'http://foo.bar/x/page.html';
    checkVectors([
      ...verdicts('user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/\n', 'FooBot', [[url, false]]),
      ...verdicts('user-agent: FooBot\nallow: /x/page.html\ndisallow: /x/\n', 'FooBot', [
        [url, true],
        ['http://foo.bar/x/', false],
      ]),
      ...verdicts('user-agent: FooBot\ndisallow: \nallow: \n', 'FooBot', [[url, true]]),
      ...verdicts('user-agent: FooBot\ndisallow: /\nallow: /\n', 'FooBot', [[url, true]]),
      ...verdicts('user-agent: FooBot\ndisallow: /x\nallow: /x/\n', 'FooBot', [
        ['http://foo.bar/x', false],
        ['http://foo.bar/x/', true],
      ]),
      ...verdicts('user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/page.html\n', 'FooBot', [[url, true]]),
      ...verdicts('user-agent: FooBot\nallow: /page\ndisallow: /*.html\n', 'FooBot', [
        ['http://foo.bar/page.html', false],
        ['http://foo.bar/page', true],
      ]),
      ...verdicts('user-agent: FooBot\nallow: /x/page.\ndisallow: /*.html\n', 'FooBot', [
        [url, true],
        ['http://foo.bar/x/y.html', false],
      ]),
      ...verdicts('User-agent: *\nDisallow: /x/\nUser-agent: FooBot\nDisallow: /y/\n', 'FooBot', [
        ['http://foo.bar/x/page', true],
        ['http://foo.bar/y/page', false],
      ]),
    ]);
  });

  describe('ID_Encoding: rules are %-encoded, URLs are compared as given, unreserved escapes are not decoded', () => {
    const disallowAllBut = (allow: string) => `User-agent: FooBot\nDisallow: /\nAllow: ${allow}\n`;
    checkVectors([
      ...verdicts(disallowAllBut('/foo/bar?qux=taz&baz=http://foo.bar?tar&par'), 'FooBot', [
        ['http://foo.bar/foo/bar?qux=taz&baz=http://foo.bar?tar&par', true],
      ]),
      ...verdicts(disallowAllBut('/foo/bar/ツ'), 'FooBot', [
        ['http://foo.bar/foo/bar/%E3%83%84', true],
        ['http://foo.bar/foo/bar/ツ', false],
      ]),
      ...verdicts(disallowAllBut('/foo/bar/%E3%83%84'), 'FooBot', [
        ['http://foo.bar/foo/bar/%E3%83%84', true],
        ['http://foo.bar/foo/bar/ツ', false],
      ]),
      ...verdicts(disallowAllBut('/foo/bar/%62%61%7A'), 'FooBot', [
        ['http://foo.bar/foo/bar/baz', false],
        ['http://foo.bar/foo/bar/%62%61%7A', true],
      ]),
    ]);
  });

  describe('ID_SpecialCharacters: * in the middle, $ at the end, # comments', () => {
    checkVectors([
      ...verdicts('User-agent: FooBot\nDisallow: /foo/bar/quz\nAllow: /foo/*/qux\n', 'FooBot', [
        ['http://foo.bar/foo/bar/quz', false],
        ['http://foo.bar/foo/quz', true],
        ['http://foo.bar/foo//quz', true],
        ['http://foo.bar/foo/bax/quz', true],
      ]),
      ...verdicts('User-agent: FooBot\nDisallow: /foo/bar$\nAllow: /foo/bar/qux\n', 'FooBot', [
        ['http://foo.bar/foo/bar', false],
        ['http://foo.bar/foo/bar/qux', true],
        ['http://foo.bar/foo/bar/', true],
        ['http://foo.bar/foo/bar/baz', true],
      ]),
      ...verdicts('User-agent: FooBot\n# Disallow: /\nDisallow: /foo/quz#qux\nAllow: /\n', 'FooBot', [
        ['http://foo.bar/foo/bar', true],
        ['http://foo.bar/foo/quz', false],
      ]),
    ]);
  });

  describe('GoogleOnly_IndexHTMLisDirectory', () => {
    checkVectors(
      verdicts('User-Agent: *\nAllow: /allowed-slash/index.html\nDisallow: /\n', 'foobot', [
        ['http://foo.com/allowed-slash/', true],
        ['http://foo.com/allowed-slash/index.htm', false],
        ['http://foo.com/allowed-slash/index.html', true],
        ['http://foo.com/anyother-url', false],
      ]),
    );
  });

  describe('GoogleOnly_LineTooLong: a rule cut at 8 × 2083 bytes still matches its prefix', () => {
    const maxLineLen = 2083 * 8;
    /** `/x/` padded with `fill` to the longest path a `<key>: ` line keeps. */
    const padded = (key: string, fill: string) => {
      let path = '/x/';
      const maxLength = maxLineLen - path.length - `${key}: `.length + 1;
      while (path.length < maxLength) path += fill;
      return path;
    };
    const longline = padded('disallow', 'a');
    const a = padded('allow', 'a');
    const b = padded('allow', 'b');
    checkVectors([
      ...verdicts(`user-agent: FooBot\ndisallow: ${longline}/qux\n`, 'FooBot', [
        ['http://foo.bar/fux', true],
        [`http://foo.bar${longline}/fux`, false],
      ]),
      ...verdicts(`user-agent: FooBot\ndisallow: /\nallow: ${a}/qux\nallow: ${b}/qux\n`, 'FooBot', [
        ['http://foo.bar/', false],
        [`http://foo.bar${a}/qux`, true],
        [`http://foo.bar${b}/fux`, true],
      ]),
    ]);
  });

  describe('GoogleOnly_DocumentationChecks: the Search Central matching tables', () => {
    const disallowAllBut = (allow: string) => `user-agent: FooBot\ndisallow: /\nallow: ${allow}\n`;
    checkVectors([
      ...['/fish', '/fish*'].flatMap((allow) =>
        verdicts(disallowAllBut(allow), 'FooBot', [
          ['http://foo.bar/bar', false],
          ['http://foo.bar/fish', true],
          ['http://foo.bar/fish.html', true],
          ['http://foo.bar/fish/salmon.html', true],
          ['http://foo.bar/fishheads', true],
          ['http://foo.bar/fishheads/yummy.html', true],
          ['http://foo.bar/fish.html?id=anything', true],
          ['http://foo.bar/Fish.asp', false],
          ['http://foo.bar/catfish', false],
          ['http://foo.bar/?id=fish', false],
        ]),
      ),
      ...verdicts(disallowAllBut('/fish/'), 'FooBot', [
        ['http://foo.bar/bar', false],
        ['http://foo.bar/fish/', true],
        ['http://foo.bar/fish/salmon', true],
        ['http://foo.bar/fish/?salmon', true],
        ['http://foo.bar/fish/salmon.html', true],
        ['http://foo.bar/fish/?id=anything', true],
        ['http://foo.bar/fish', false],
        ['http://foo.bar/fish.html', false],
        ['http://foo.bar/Fish/Salmon.html', false],
      ]),
      ...verdicts(disallowAllBut('/*.php'), 'FooBot', [
        ['http://foo.bar/bar', false],
        ['http://foo.bar/filename.php', true],
        ['http://foo.bar/folder/filename.php', true],
        ['http://foo.bar/folder/filename.php?parameters', true],
        ['http://foo.bar//folder/any.php.file.html', true],
        ['http://foo.bar/filename.php/', true],
        ['http://foo.bar/index?f=filename.php/', true],
        ['http://foo.bar/php/', false],
        ['http://foo.bar/index?php', false],
        ['http://foo.bar/windows.PHP', false],
      ]),
      ...verdicts(disallowAllBut('/*.php$'), 'FooBot', [
        ['http://foo.bar/bar', false],
        ['http://foo.bar/filename.php', true],
        ['http://foo.bar/folder/filename.php', true],
        ['http://foo.bar/filename.php?parameters', false],
        ['http://foo.bar/filename.php/', false],
        ['http://foo.bar/filename.php5', false],
        ['http://foo.bar/php/', false],
        ['http://foo.bar/filename?php', false],
        ['http://foo.bar/aaaphpaaa', false],
        ['http://foo.bar//windows.PHP', false],
      ]),
      ...verdicts(disallowAllBut('/fish*.php'), 'FooBot', [
        ['http://foo.bar/bar', false],
        ['http://foo.bar/fish.php', true],
        ['http://foo.bar/fishheads/catfish.php?parameters', true],
        ['http://foo.bar/Fish.PHP', false],
      ]),
      ...verdicts('user-agent: FooBot\nallow: /p\ndisallow: /\n', 'FooBot', [['http://example.com/page', true]]),
      ...verdicts('user-agent: FooBot\nallow: /folder\ndisallow: /folder\n', 'FooBot', [['http://example.com/folder/page', true]]),
      ...verdicts('user-agent: FooBot\nallow: /page\ndisallow: /*.htm\n', 'FooBot', [['http://example.com/page.htm', false]]),
      ...verdicts('user-agent: FooBot\nallow: /$\ndisallow: /\n', 'FooBot', [
        ['http://example.com/', true],
        ['http://example.com/page.html', false],
      ]),
    ]);
  });

  it('ID_LinesNumbersAreCountedCorrectly: LF, CRLF, CR, no final newline, mixed', () => {
    const files = [
      'User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\nDisallow: /\n',
      'User-Agent: foo\r\nAllow: /some/path\r\nUser-Agent: bar\r\n\r\n\r\nDisallow: /\r\n',
      'User-Agent: foo\rAllow: /some/path\rUser-Agent: bar\r\r\rDisallow: /\r',
      'User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\nDisallow: /',
      'User-Agent: foo\nAllow: /some/path\r\nUser-Agent: bar\n\r\n\nDisallow: /',
    ];
    for (const file of files) {
      const directives = parseRobots(Buffer.from(file)).lines.filter((l) => l.key && l.key !== 'unknown');
      expect(directives.length).toBe(4);
      expect(directives[directives.length - 1].number).toBe(6);
    }
  });

  it('ID_UTF8ByteOrderMarkIsSkipped: full and partial BOM skipped, broken or mid-file BOM spoils its line', () => {
    const count = (bytes: number[], text: string) => {
      const parsed = parseRobots(Buffer.concat([Buffer.from(bytes), Buffer.from(text)]));
      return {
        valid: parsed.lines.filter((l) => l.key && l.key !== 'unknown' && l.key !== 'unused').length,
        unknown: parsed.lines.filter((l) => l.key === 'unknown').length,
      };
    };
    const body = 'User-Agent: foo\nAllow: /AnyValue\n';
    expect(count([0xef, 0xbb, 0xbf], body)).toEqual({ valid: 2, unknown: 0 });
    expect(count([0xef, 0xbb], body)).toEqual({ valid: 2, unknown: 0 });
    expect(count([0xef], body)).toEqual({ valid: 2, unknown: 0 });
    expect(count([0xef, 0x11, 0xbf], body)).toEqual({ valid: 1, unknown: 1 });
    const middle = parseRobots(
      Buffer.concat([Buffer.from('User-Agent: foo\n'), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Allow: /AnyValue\n')]),
    );
    expect(middle.lines.filter((l) => l.key === 'user-agent' || l.key === 'allow').length).toBe(1);
    expect(middle.lines.filter((l) => l.key === 'unknown').length).toBe(1);
  });

  it('ID_NonStandardLineExample_Sitemap: Sitemap lines anywhere in the file', () => {
    const groups = 'User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\n';
    expect(parseRobots(Buffer.from(`${groups}Sitemap: http://foo.bar/sitemap.xml\n`)).sitemaps).toEqual([
      { url: 'http://foo.bar/sitemap.xml', line: 6 },
    ]);
    expect(parseRobots(Buffer.from(`Sitemap: http://foo.bar/sitemap.xml\n${groups}`)).sitemaps).toEqual([
      { url: 'http://foo.bar/sitemap.xml', line: 1 },
    ]);
  });

  it('TestGetPathParamsQuery', () => {
    const cases: [string, string][] = [
      ['', '/'],
      ['http://www.example.com', '/'],
      ['http://www.example.com/', '/'],
      ['http://www.example.com/a', '/a'],
      ['http://www.example.com/a/', '/a/'],
      ['http://www.example.com/a/b?c=http://d.e/', '/a/b?c=http://d.e/'],
      ['http://www.example.com/a/b?c=d&e=f#fragment', '/a/b?c=d&e=f'],
      ['example.com', '/'],
      ['example.com/', '/'],
      ['example.com/a', '/a'],
      ['example.com/a/', '/a/'],
      ['example.com/a/b?c=d&e=f#fragment', '/a/b?c=d&e=f'],
      ['a', '/'],
      ['a/', '/'],
      ['/a', '/a'],
      ['a/b', '/b'],
      ['example.com?a', '/?a'],
      ['example.com/a;b#c', '/a;b'],
      ['//a/b/c', '/b/c'],
    ];
    for (const [url, path] of cases) expect([url, robotsPath(url)]).toEqual([url, path]);
  });

  it('TestMaybeEscapePattern', () => {
    const binary = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
    expect(escapePattern(binary('http://www.example.com'))).toBe('http://www.example.com');
    expect(escapePattern(binary('/a/b/c'))).toBe('/a/b/c');
    expect(escapePattern(binary('á'))).toBe('%C3%A1');
    expect(escapePattern(binary('%aa'))).toBe('%AA');
  });
});

describe('RFC 9309 §5 examples', () => {
  const simple = [
    'User-Agent: *',
    'Disallow: *.gif$',
    'Disallow: /example/',
    'Allow: /publications/',
    '',
    'User-Agent: foobot',
    'Disallow:/',
    'Allow:/example/page.html',
    'Allow:/example/allowed.gif',
    '',
    'User-Agent: barbot',
    'User-Agent: bazbot',
    'Disallow: /example/page.html',
    '',
    'User-Agent: quxbot',
    '',
    'EOF',
  ].join('\n');

  describe('§5.1: every agent without a group follows *: no .gif, no /example/, /publications/ open', () => {
    checkVectors(
      verdicts(simple, 'otherbot', [
        ['https://example.com/example/index.html', false],
        ['https://example.com/images/logo.gif', false],
        ['https://example.com/images/logo.gif?v=2', true],
        ['https://example.com/publications/', true],
        ['https://example.com/publications/chart.gif', true],
        ['https://example.com/about', true],
      ]),
    );
  });

  describe('§5.1: foobot may fetch only /example/page.html and /example/allowed.gif', () => {
    checkVectors([
      ...verdicts(simple, 'foobot', [
        ['https://example.com/example/page.html', true],
        ['https://example.com/example/allowed.gif', true],
        ['https://example.com/', false],
        ['https://example.com/publications/', false],
      ]),
      ...verdicts(simple, 'FooBot', [['https://example.com/example/other.html', false]]),
    ]);
  });

  describe('§5.1: barbot and bazbot share a group; quxbot has an empty group and may fetch everything', () => {
    checkVectors([
      ...verdicts(
        simple,
        ['barbot', 'bazbot'],
        [
          ['https://example.com/example/page.html', false],
          ['https://example.com/example/other.gif', true],
        ],
      ),
      ...verdicts(simple, 'quxbot', [
        ['https://example.com/example/page.html', true],
        ['https://example.com/images/logo.gif', true],
      ]),
    ]);
  });

  describe('§5.2: the longest match is used', () => {
    checkVectors(
      verdicts('User-Agent: foobot\nAllow: /example/page/\nDisallow: /example/page/disallowed.gif\n', 'foobot', [
        ['https://example.com/example/page/', true],
        ['https://example.com/example/page/allowed.gif', true],
        ['https://example.com/example/page/disallowed.gif', false],
      ]),
    );
  });
});

describe('blockingRule (the allocation-free check used for every sitemap URL)', () => {
  it('decides exactly like evaluate() on random files and paths', async () => {
    const fc = (await import('fast-check')).default;
    const { blockingRule, evaluate, rulesFor } = await import('@allthrive/seo-validate');
    const segment = fc.constantFrom('a', 'b', 'x', 'index.html', 'index.htm', 'p.php', '*', '$', '');
    const pattern = fc.array(segment, { maxLength: 4 }).map((parts) => `/${parts.join('/')}`);
    const line = fc.oneof(
      fc.constantFrom('User-agent: *', 'User-agent: FooBot', 'User-agent: BarBot', 'Sitemap: https://x.example/s.xml', ''),
      pattern.map((p) => `Allow: ${p}`),
      pattern.map((p) => `Disallow: ${p}`),
      fc.constant('Disallow:'),
    );
    const path = fc
      .array(fc.constantFrom('a', 'b', 'x', 'index.html', 'p.php', 'q?x=1'), { maxLength: 4 })
      .map((parts) => `/${parts.join('/')}`);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.constantFrom('*', 'FooBot', 'QuxBot'), path, (lines, agent, p) => {
        const rules = rulesFor(parseRobots(Buffer.from(lines.join('\n'))), agent);
        const verdict = evaluate(rules, p);
        const blocking = blockingRule(rules, p);
        expect(blocking === undefined).toBe(verdict.allowed);
        if (blocking) expect(blocking.line).toBe(verdict.rule?.line);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('profile: rfc (RFC 9309-strict crawler) where it differs from Google', () => {
  const both = (robotstxt: string, agent: string, url: string) => [
    isAllowed(parseRobots(Buffer.from(robotstxt)), agent, url, 'google'),
    isAllowed(parseRobots(Buffer.from(robotstxt)), agent, url, 'rfc'),
  ];

  it('missing colons and misspelled keys are not rules for an RFC crawler', () => {
    expect(both('user-agent FooBot\ndisallow /\n', 'FooBot', 'http://foo.bar/x')).toEqual([false, true]);
    expect(both('User-agent: FooBot\nDisalow: /\n', 'FooBot', 'http://foo.bar/x')).toEqual([false, true]);
  });

  it('product tokens are compared whole; `* foo` is not the global group', () => {
    expect(both('User-Agent: Foo Bar\nDisallow: /\n', 'Foo', 'http://foo.bar/x')).toEqual([false, true]);
    expect(both('User-Agent: * foo\nDisallow: /\n', 'FooBot', 'http://foo.bar/x')).toEqual([false, true]);
  });

  it('no index.html rule; unreserved escapes decoded; /robots.txt always allowed', () => {
    expect(both('User-Agent: *\nAllow: /a/index.html\nDisallow: /\n', 'foobot', 'http://foo.com/a/')).toEqual([true, false]);
    expect(both('User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%62%61%7A\n', 'FooBot', 'http://foo.bar/foo/bar/baz')).toEqual([
      false,
      true,
    ]);
    expect(both('User-agent: *\nDisallow: /\n', 'FooBot', 'http://foo.bar/robots.txt')).toEqual([false, true]);
  });

  it('agrees with Google on the RFC 9309 §5.1 example', () => {
    const simple =
      'User-Agent: *\nDisallow: *.gif$\nDisallow: /example/\nAllow: /publications/\n\nUser-Agent: foobot\nDisallow:/\nAllow:/example/page.html\nAllow:/example/allowed.gif\n\nUser-Agent: barbot\nUser-Agent: bazbot\nDisallow: /example/page.html\n\nUser-Agent: quxbot\n';
    for (const [agent, path] of [
      ['foobot', '/example/page.html'],
      ['foobot', '/x'],
      ['barbot', '/example/page.html'],
      ['quxbot', '/example/page.html'],
      ['otherbot', '/a.gif'],
      ['otherbot', '/publications/a.gif'],
    ]) {
      const [google, rfc] = both(simple, agent, `https://example.com${path}`);
      expect([agent, path, rfc]).toEqual([agent, path, google]);
    }
  });
});
