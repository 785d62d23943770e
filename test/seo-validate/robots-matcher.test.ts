/**
 * The matcher against the published test cases of Google's reference parser (google/robotstxt
 * robots_test.cc, Apache-2.0; cases restated here as data) and the RFC 9309 §5 examples.
 * `allowed(robots, agent, url)` mirrors the reference test's IsUserAgentAllowed.
 */
import { describe, expect, it } from '@jest/globals';
import { escapePattern, isAllowed, isValidProductToken, parseRobots, robotsPath } from '@allthrive/seo-validate';

const allowed = (robotstxt: string | Buffer, agent: string, url: string) =>
  isAllowed(parseRobots(typeof robotstxt === 'string' ? Buffer.from(robotstxt, 'utf8') : robotstxt), agent, url);

type Case = [robots: string, agent: string, url: string, expected: boolean];
const run = (cases: Case[]) => {
  for (const [robots, agent, url, expected] of cases) {
    expect({ robots, agent, url, allowed: allowed(robots, agent, url) }).toEqual({ robots, agent, url, allowed: expected });
  }
};

describe('Google reference parser cases (GoogleOnly_ / ID_ tests of robots_test.cc)', () => {
  it('GoogleOnly_SystemTest: empty file, empty agent and empty URL', () => {
    const robotstxt = 'user-agent: FooBot\ndisallow: /\n';
    run([
      ['', 'FooBot', '', true],
      [robotstxt, '', '', true],
      [robotstxt, 'FooBot', '', false],
      ['', '', '', true],
    ]);
  });

  it('ID_LineSyntax_Line: key-value lines, unknown keys ignored, missing colon accepted (Google)', () => {
    const url = 'http://foo.bar/x/y';
    run([
      ['user-agent: FooBot\ndisallow: /\n', 'FooBot', url, false],
      ['foo: FooBot\nbar: /\n', 'FooBot', url, true],
      ['user-agent FooBot\ndisallow /\n', 'FooBot', url, false],
    ]);
  });

  it('ID_LineSyntax_Groups: rules outside groups ignored, blank lines do not end groups, same-agent groups merged', () => {
    const robotstxt =
      'allow: /foo/bar/\n\nuser-agent: FooBot\ndisallow: /\nallow: /x/\nuser-agent: BarBot\ndisallow: /\nallow: /y/\n\n\nallow: /w/\nuser-agent: BazBot\n\nuser-agent: FooBot\nallow: /z/\ndisallow: /\n';
    run([
      [robotstxt, 'FooBot', 'http://foo.bar/x/b', true],
      [robotstxt, 'FooBot', 'http://foo.bar/z/d', true],
      [robotstxt, 'FooBot', 'http://foo.bar/y/c', false],
      [robotstxt, 'BarBot', 'http://foo.bar/y/c', true],
      [robotstxt, 'BarBot', 'http://foo.bar/w/a', true],
      [robotstxt, 'BarBot', 'http://foo.bar/z/d', false],
      [robotstxt, 'BazBot', 'http://foo.bar/z/d', true],
      [robotstxt, 'FooBot', 'http://foo.bar/foo/bar/', false],
      [robotstxt, 'BarBot', 'http://foo.bar/foo/bar/', false],
      [robotstxt, 'BazBot', 'http://foo.bar/foo/bar/', false],
    ]);
  });

  it('ID_LineSyntax_Groups_OtherRules: Sitemap and unknown lines do not close a group', () => {
    run([
      ['User-agent: BarBot\nSitemap: https://foo.bar/sitemap\nUser-agent: *\nDisallow: /\n', 'BarBot', 'http://foo.bar/', false],
      ['User-agent: FooBot\nInvalid-Unknown-Line: unknown\nUser-agent: *\nDisallow: /\n', 'FooBot', 'http://foo.bar/', false],
    ]);
  });

  it('ID_REPLineNamesCaseInsensitive', () => {
    for (const robotstxt of [
      'USER-AGENT: FooBot\nALLOW: /x/\nDISALLOW: /\n',
      'user-agent: FooBot\nallow: /x/\ndisallow: /\n',
      'uSeR-aGeNt: FooBot\nAlLoW: /x/\ndIsAlLoW: /\n',
    ]) {
      run([
        [robotstxt, 'FooBot', 'http://foo.bar/x/y', true],
        [robotstxt, 'FooBot', 'http://foo.bar/a/b', false],
      ]);
    }
  });

  it('ID_VerifyValidUserAgentsToObey', () => {
    for (const token of ['Foobot', 'Foobot-Bar', 'Foo_Bar']) expect(isValidProductToken(token)).toBe(true);
    for (const token of ['', 'ツ', 'Foobot*', ' Foobot ', 'Foobot/2.1', 'Foobot Bar']) expect(isValidProductToken(token)).toBe(false);
  });

  it('ID_UserAgentValueCaseInsensitive', () => {
    for (const robotstxt of [
      'User-Agent: FOO BAR\nAllow: /x/\nDisallow: /\n',
      'User-Agent: foo bar\nAllow: /x/\nDisallow: /\n',
      'User-Agent: FoO bAr\nAllow: /x/\nDisallow: /\n',
    ]) {
      for (const agent of ['Foo', 'foo']) {
        run([
          [robotstxt, agent, 'http://foo.bar/x/y', true],
          [robotstxt, agent, 'http://foo.bar/a/b', false],
        ]);
      }
    }
  });

  it('GoogleOnly_AcceptUserAgentUpToFirstSpace', () => {
    const robotstxt = 'User-Agent: *\nDisallow: /\nUser-Agent: Foo Bar\nAllow: /x/\nDisallow: /\n';
    run([
      [robotstxt, 'Foo', 'http://foo.bar/x/y', true],
      [robotstxt, 'Foo Bar', 'http://foo.bar/x/y', false],
    ]);
  });

  it('ID_GlobalGroups_Secondary: * only when no group names the agent; no match and no * allows', () => {
    const url = 'http://foo.bar/x/y';
    run([
      ['', 'FooBot', url, true],
      ['user-agent: *\nallow: /\nuser-agent: FooBot\ndisallow: /\n', 'FooBot', url, false],
      ['user-agent: *\nallow: /\nuser-agent: FooBot\ndisallow: /\n', 'BarBot', url, true],
      ['user-agent: FooBot\nallow: /\nuser-agent: BarBot\ndisallow: /\nuser-agent: BazBot\ndisallow: /\n', 'QuxBot', url, true],
    ]);
  });

  it('ID_AllowDisallow_Value_CaseSensitive', () => {
    run([
      ['user-agent: FooBot\ndisallow: /x/\n', 'FooBot', 'http://foo.bar/x/y', false],
      ['user-agent: FooBot\ndisallow: /X/\n', 'FooBot', 'http://foo.bar/x/y', true],
    ]);
  });

  it('ID_LongestMatch: most octets wins, allow wins ties, empty patterns have no effect', () => {
    const url = 'http://foo.bar/x/page.html';
    run([
      ['user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/\n', 'FooBot', url, false],
      ['user-agent: FooBot\nallow: /x/page.html\ndisallow: /x/\n', 'FooBot', url, true],
      ['user-agent: FooBot\nallow: /x/page.html\ndisallow: /x/\n', 'FooBot', 'http://foo.bar/x/', false],
      ['user-agent: FooBot\ndisallow: \nallow: \n', 'FooBot', url, true],
      ['user-agent: FooBot\ndisallow: /\nallow: /\n', 'FooBot', url, true],
      ['user-agent: FooBot\ndisallow: /x\nallow: /x/\n', 'FooBot', 'http://foo.bar/x', false],
      ['user-agent: FooBot\ndisallow: /x\nallow: /x/\n', 'FooBot', 'http://foo.bar/x/', true],
      ['user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/page.html\n', 'FooBot', url, true],
      ['user-agent: FooBot\nallow: /page\ndisallow: /*.html\n', 'FooBot', 'http://foo.bar/page.html', false],
      ['user-agent: FooBot\nallow: /page\ndisallow: /*.html\n', 'FooBot', 'http://foo.bar/page', true],
      ['user-agent: FooBot\nallow: /x/page.\ndisallow: /*.html\n', 'FooBot', url, true],
      ['user-agent: FooBot\nallow: /x/page.\ndisallow: /*.html\n', 'FooBot', 'http://foo.bar/x/y.html', false],
      ['User-agent: *\nDisallow: /x/\nUser-agent: FooBot\nDisallow: /y/\n', 'FooBot', 'http://foo.bar/x/page', true],
      ['User-agent: *\nDisallow: /x/\nUser-agent: FooBot\nDisallow: /y/\n', 'FooBot', 'http://foo.bar/y/page', false],
    ]);
  });

  it('ID_Encoding: rules are %-encoded, URLs are compared as given, unreserved escapes are not decoded', () => {
    run([
      [
        'User-agent: FooBot\nDisallow: /\nAllow: /foo/bar?qux=taz&baz=http://foo.bar?tar&par\n',
        'FooBot',
        'http://foo.bar/foo/bar?qux=taz&baz=http://foo.bar?tar&par',
        true,
      ],
      ['User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/ツ\n', 'FooBot', 'http://foo.bar/foo/bar/%E3%83%84', true],
      ['User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/ツ\n', 'FooBot', 'http://foo.bar/foo/bar/ツ', false],
      ['User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%E3%83%84\n', 'FooBot', 'http://foo.bar/foo/bar/%E3%83%84', true],
      ['User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%E3%83%84\n', 'FooBot', 'http://foo.bar/foo/bar/ツ', false],
      ['User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%62%61%7A\n', 'FooBot', 'http://foo.bar/foo/bar/baz', false],
      ['User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%62%61%7A\n', 'FooBot', 'http://foo.bar/foo/bar/%62%61%7A', true],
    ]);
  });

  it('ID_SpecialCharacters: * in the middle, $ at the end, # comments', () => {
    const a = 'User-agent: FooBot\nDisallow: /foo/bar/quz\nAllow: /foo/*/qux\n';
    const b = 'User-agent: FooBot\nDisallow: /foo/bar$\nAllow: /foo/bar/qux\n';
    const c = 'User-agent: FooBot\n# Disallow: /\nDisallow: /foo/quz#qux\nAllow: /\n';
    run([
      [a, 'FooBot', 'http://foo.bar/foo/bar/quz', false],
      [a, 'FooBot', 'http://foo.bar/foo/quz', true],
      [a, 'FooBot', 'http://foo.bar/foo//quz', true],
      [a, 'FooBot', 'http://foo.bar/foo/bax/quz', true],
      [b, 'FooBot', 'http://foo.bar/foo/bar', false],
      [b, 'FooBot', 'http://foo.bar/foo/bar/qux', true],
      [b, 'FooBot', 'http://foo.bar/foo/bar/', true],
      [b, 'FooBot', 'http://foo.bar/foo/bar/baz', true],
      [c, 'FooBot', 'http://foo.bar/foo/bar', true],
      [c, 'FooBot', 'http://foo.bar/foo/quz', false],
    ]);
  });

  it('GoogleOnly_IndexHTMLisDirectory', () => {
    const robotstxt = 'User-Agent: *\nAllow: /allowed-slash/index.html\nDisallow: /\n';
    run([
      [robotstxt, 'foobot', 'http://foo.com/allowed-slash/', true],
      [robotstxt, 'foobot', 'http://foo.com/allowed-slash/index.htm', false],
      [robotstxt, 'foobot', 'http://foo.com/allowed-slash/index.html', true],
      [robotstxt, 'foobot', 'http://foo.com/anyother-url', false],
    ]);
  });

  it('GoogleOnly_LineTooLong: a rule cut at 8 × 2083 bytes still matches its prefix', () => {
    const maxLineLen = 2083 * 8;
    {
      let longline = '/x/';
      const maxLength = maxLineLen - longline.length - 'disallow: '.length + 1;
      while (longline.length < maxLength) longline += 'a';
      const robotstxt = `user-agent: FooBot\ndisallow: ${longline}/qux\n`;
      run([
        [robotstxt, 'FooBot', 'http://foo.bar/fux', true],
        [robotstxt, 'FooBot', `http://foo.bar${longline}/fux`, false],
      ]);
    }
    {
      let a = '/x/';
      let b = '/x/';
      const maxLength = maxLineLen - a.length - 'allow: '.length + 1;
      while (a.length < maxLength) {
        a += 'a';
        b += 'b';
      }
      const robotstxt = `user-agent: FooBot\ndisallow: /\nallow: ${a}/qux\nallow: ${b}/qux\n`;
      run([
        [robotstxt, 'FooBot', 'http://foo.bar/', false],
        [robotstxt, 'FooBot', `http://foo.bar${a}/qux`, true],
        [robotstxt, 'FooBot', `http://foo.bar${b}/fux`, true],
      ]);
    }
  });

  it('GoogleOnly_DocumentationChecks: the Search Central matching tables', () => {
    const fish = 'user-agent: FooBot\ndisallow: /\nallow: /fish\n';
    const fishStar = 'user-agent: FooBot\ndisallow: /\nallow: /fish*\n';
    for (const robotstxt of [fish, fishStar]) {
      run([
        [robotstxt, 'FooBot', 'http://foo.bar/bar', false],
        [robotstxt, 'FooBot', 'http://foo.bar/fish', true],
        [robotstxt, 'FooBot', 'http://foo.bar/fish.html', true],
        [robotstxt, 'FooBot', 'http://foo.bar/fish/salmon.html', true],
        [robotstxt, 'FooBot', 'http://foo.bar/fishheads', true],
        [robotstxt, 'FooBot', 'http://foo.bar/fishheads/yummy.html', true],
        [robotstxt, 'FooBot', 'http://foo.bar/fish.html?id=anything', true],
        [robotstxt, 'FooBot', 'http://foo.bar/Fish.asp', false],
        [robotstxt, 'FooBot', 'http://foo.bar/catfish', false],
        [robotstxt, 'FooBot', 'http://foo.bar/?id=fish', false],
      ]);
    }
    const fishSlash = 'user-agent: FooBot\ndisallow: /\nallow: /fish/\n';
    run([
      [fishSlash, 'FooBot', 'http://foo.bar/bar', false],
      [fishSlash, 'FooBot', 'http://foo.bar/fish/', true],
      [fishSlash, 'FooBot', 'http://foo.bar/fish/salmon', true],
      [fishSlash, 'FooBot', 'http://foo.bar/fish/?salmon', true],
      [fishSlash, 'FooBot', 'http://foo.bar/fish/salmon.html', true],
      [fishSlash, 'FooBot', 'http://foo.bar/fish/?id=anything', true],
      [fishSlash, 'FooBot', 'http://foo.bar/fish', false],
      [fishSlash, 'FooBot', 'http://foo.bar/fish.html', false],
      [fishSlash, 'FooBot', 'http://foo.bar/Fish/Salmon.html', false],
    ]);
    const php = 'user-agent: FooBot\ndisallow: /\nallow: /*.php\n';
    run([
      [php, 'FooBot', 'http://foo.bar/bar', false],
      [php, 'FooBot', 'http://foo.bar/filename.php', true],
      [php, 'FooBot', 'http://foo.bar/folder/filename.php', true],
      [php, 'FooBot', 'http://foo.bar/folder/filename.php?parameters', true],
      [php, 'FooBot', 'http://foo.bar//folder/any.php.file.html', true],
      [php, 'FooBot', 'http://foo.bar/filename.php/', true],
      [php, 'FooBot', 'http://foo.bar/index?f=filename.php/', true],
      [php, 'FooBot', 'http://foo.bar/php/', false],
      [php, 'FooBot', 'http://foo.bar/index?php', false],
      [php, 'FooBot', 'http://foo.bar/windows.PHP', false],
    ]);
    const phpEnd = 'user-agent: FooBot\ndisallow: /\nallow: /*.php$\n';
    run([
      [phpEnd, 'FooBot', 'http://foo.bar/bar', false],
      [phpEnd, 'FooBot', 'http://foo.bar/filename.php', true],
      [phpEnd, 'FooBot', 'http://foo.bar/folder/filename.php', true],
      [phpEnd, 'FooBot', 'http://foo.bar/filename.php?parameters', false],
      [phpEnd, 'FooBot', 'http://foo.bar/filename.php/', false],
      [phpEnd, 'FooBot', 'http://foo.bar/filename.php5', false],
      [phpEnd, 'FooBot', 'http://foo.bar/php/', false],
      [phpEnd, 'FooBot', 'http://foo.bar/filename?php', false],
      [phpEnd, 'FooBot', 'http://foo.bar/aaaphpaaa', false],
      [phpEnd, 'FooBot', 'http://foo.bar//windows.PHP', false],
    ]);
    const fishPhp = 'user-agent: FooBot\ndisallow: /\nallow: /fish*.php\n';
    run([
      [fishPhp, 'FooBot', 'http://foo.bar/bar', false],
      [fishPhp, 'FooBot', 'http://foo.bar/fish.php', true],
      [fishPhp, 'FooBot', 'http://foo.bar/fishheads/catfish.php?parameters', true],
      [fishPhp, 'FooBot', 'http://foo.bar/Fish.PHP', false],
    ]);
    run([
      ['user-agent: FooBot\nallow: /p\ndisallow: /\n', 'FooBot', 'http://example.com/page', true],
      ['user-agent: FooBot\nallow: /folder\ndisallow: /folder\n', 'FooBot', 'http://example.com/folder/page', true],
      ['user-agent: FooBot\nallow: /page\ndisallow: /*.htm\n', 'FooBot', 'http://example.com/page.htm', false],
      ['user-agent: FooBot\nallow: /$\ndisallow: /\n', 'FooBot', 'http://example.com/', true],
      ['user-agent: FooBot\nallow: /$\ndisallow: /\n', 'FooBot', 'http://example.com/page.html', false],
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

  it('§5.1: every agent without a group follows *: no .gif, no /example/, /publications/ open', () => {
    run([
      [simple, 'otherbot', 'https://example.com/example/index.html', false],
      [simple, 'otherbot', 'https://example.com/images/logo.gif', false],
      [simple, 'otherbot', 'https://example.com/images/logo.gif?v=2', true],
      [simple, 'otherbot', 'https://example.com/publications/', true],
      [simple, 'otherbot', 'https://example.com/publications/chart.gif', true],
      [simple, 'otherbot', 'https://example.com/about', true],
    ]);
  });

  it('§5.1: foobot may fetch only /example/page.html and /example/allowed.gif', () => {
    run([
      [simple, 'foobot', 'https://example.com/example/page.html', true],
      [simple, 'foobot', 'https://example.com/example/allowed.gif', true],
      [simple, 'foobot', 'https://example.com/', false],
      [simple, 'foobot', 'https://example.com/publications/', false],
      [simple, 'FooBot', 'https://example.com/example/other.html', false],
    ]);
  });

  it('§5.1: barbot and bazbot share a group; quxbot has an empty group and may fetch everything', () => {
    for (const bot of ['barbot', 'bazbot']) {
      run([
        [simple, bot, 'https://example.com/example/page.html', false],
        [simple, bot, 'https://example.com/example/other.gif', true],
      ]);
    }
    run([
      [simple, 'quxbot', 'https://example.com/example/page.html', true],
      [simple, 'quxbot', 'https://example.com/images/logo.gif', true],
    ]);
  });

  it('§5.2: the longest match is used', () => {
    const longest = 'User-Agent: foobot\nAllow: /example/page/\nDisallow: /example/page/disallowed.gif\n';
    run([
      [longest, 'foobot', 'https://example.com/example/page/', true],
      [longest, 'foobot', 'https://example.com/example/page/allowed.gif', true],
      [longest, 'foobot', 'https://example.com/example/page/disallowed.gif', false],
    ]);
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
