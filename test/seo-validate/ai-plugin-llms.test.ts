import { describe, expect, it } from '@jest/globals';
import { FindingList, checkAiPlugin, checkLlmsTxt } from '@allthrive/seo-validate';

const SITE = new URL('https://allthrive.ai');

const manifest = (overrides: Record<string, unknown> = {}) => ({
  schema_version: 'v1',
  name_for_human: 'All Thrive',
  name_for_model: 'allthrive',
  description_for_human: 'Discover and share AI projects.',
  description_for_model: 'Search AI projects and creators on All Thrive.',
  auth: { type: 'none' },
  api: { type: 'openapi', url: 'https://allthrive.ai/.well-known/openapi.yaml' },
  logo_url: 'https://allthrive.ai/logo.png',
  contact_email: 'support@allthrive.ai',
  legal_info_url: 'https://allthrive.ai/legal/',
  ...overrides,
});

function plugin(body: unknown) {
  const findings = new FindingList();
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body, null, 2));
  const result = checkAiPlugin(bytes, 'ai-plugin.json', SITE, findings);
  return { result, findings: findings.items.filter((f) => f.rule !== 'ai-plugin-legacy') };
}
const messages = (body: unknown) => plugin(body).findings.map((f) => `${f.rule}: ${f.message}`);

describe('ai-plugin.json', () => {
  it('accepts a complete v1 manifest and returns api.url on the site', () => {
    const { result, findings } = plugin(manifest());
    expect(findings).toEqual([]);
    expect(result.apiUrl?.href).toBe('https://allthrive.ai/.well-known/openapi.yaml');
  });

  it('ai-plugin-legacy: always a notice, never an error', () => {
    const findings = new FindingList();
    checkAiPlugin(Buffer.from(JSON.stringify(manifest())), 'ai-plugin.json', SITE, findings);
    expect(findings.items.map((f) => [f.rule, f.severity])).toEqual([['ai-plugin-legacy', 'notice']]);
  });

  it('ai-plugin-json: invalid JSON with its line, a BOM, a non-object', () => {
    const broken = plugin('{\n  "schema_version": "v1",\n  "name_for_human": "x",,\n}');
    expect(broken.findings).toEqual([expect.objectContaining({ rule: 'ai-plugin-json', line: 3 })]);
    const bom = plugin(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(manifest()))]));
    expect(bom.findings.map((f) => f.rule)).toEqual(['ai-plugin-json']);
    expect(messages('[]')).toEqual(['ai-plugin-json: ai-plugin.json must be a JSON object.']);
  });

  it('ai-plugin-field: missing, wrong type, empty, too long (code points), bad schema_version, name and email', () => {
    const { description_for_model: _omit, ...withoutDescription } = manifest();
    expect(messages(withoutDescription)).toEqual(["ai-plugin-field: Required field 'description_for_model' is missing."]);
    expect(messages(manifest({ name_for_human: 42 }))).toEqual(["ai-plugin-field: 'name_for_human' must be a string, not number."]);
    expect(messages(manifest({ logo_url: ' ' }))).toEqual(["ai-plugin-field: 'logo_url' is empty."]);
    expect(messages(manifest({ name_for_human: 'All Thrive AI Projects Hub' }))).toEqual([
      "ai-plugin-field: 'name_for_human' is 26 characters; the limit is 20.",
    ]);
    // 20 emoji are 40 UTF-16 units but 20 characters: within the limit.
    expect(messages(manifest({ name_for_human: '🚀'.repeat(20) }))).toEqual([]);
    expect(messages(manifest({ description_for_human: 'x'.repeat(101) }))).toEqual([
      "ai-plugin-field: 'description_for_human' is 101 characters; the limit is 100.",
    ]);
    expect(messages(manifest({ schema_version: 'v2' }))).toEqual([
      "ai-plugin-field: schema_version 'v2' is not 'v1', the only version of this manifest.",
    ]);
    expect(messages(manifest({ name_for_model: 'all thrive' }))).toEqual([
      "ai-plugin-field: name_for_model 'all thrive' may contain only letters, digits and '_' (no spaces).",
    ]);
    expect(messages(manifest({ contact_email: 'support' }))).toEqual(["ai-plugin-field: contact_email 'support' is not an email address."]);
    expect(messages(manifest({ logo_url: 'https://allthrive.ai/logo.gif' }))).toEqual(['ai-plugin-field: logo_url must not be a GIF.']);
  });

  it('ai-plugin-auth: every auth variant and its required fields', () => {
    expect(messages(manifest({ auth: { type: 'user_http', authorization_type: 'bearer' } }))).toEqual([]);
    expect(
      messages(manifest({ auth: { type: 'service_http', authorization_type: 'bearer', verification_tokens: { openai: 'abc' } } })),
    ).toEqual([]);
    expect(messages(manifest({ auth: { type: 'service_http', authorization_type: 'digest' } }))).toEqual([
      "ai-plugin-auth: auth.authorization_type 'digest' must be one of bearer, basic.",
      'ai-plugin-auth: auth type \'service_http\' requires \'verification_tokens\', an object of strings (e.g. {"openai": "…"}).',
    ]);
    const oauth = {
      type: 'oauth',
      client_url: 'https://allthrive.ai/oauth',
      scope: 'read',
      authorization_url: 'https://allthrive.ai/oauth/token',
      authorization_content_type: 'application/json',
      verification_tokens: { openai: 'x' },
    };
    expect(messages(manifest({ auth: oauth }))).toEqual([]);
    // An empty OAuth scope is valid; a scope that is not a string is not.
    expect(messages(manifest({ auth: { ...oauth, scope: '' } }))).toEqual([]);
    expect(messages(manifest({ auth: { ...oauth, scope: 3 } }))).toEqual([
      "ai-plugin-auth: auth type 'oauth' requires 'scope' (a string; it may be empty).",
    ]);
    expect(messages(manifest({ auth: { ...oauth, scope: undefined, authorization_content_type: 'text/plain' } }))).toEqual([
      "ai-plugin-auth: auth type 'oauth' requires 'scope'.",
      "ai-plugin-auth: auth.authorization_content_type 'text/plain' must be one of application/json, application/x-www-form-urlencoded.",
    ]);
    expect(messages(manifest({ auth: { type: 'apikey' } }))).toEqual([
      'ai-plugin-auth: auth.type "apikey" is not one of none, user_http, service_http, oauth.',
    ]);
    expect(messages(manifest({ auth: undefined }))).toEqual([
      'ai-plugin-auth: Required object \'auth\' is missing (use {"type": "none"} for no authentication).',
    ]);
  });

  it('ai-plugin-url: relative, plain http, and another site', () => {
    expect(messages(manifest({ api: { type: 'openapi', url: '/openapi.yaml' } }))).toEqual([
      "ai-plugin-url: api.url '/openapi.yaml' is not an absolute URL; write https://allthrive.ai/….",
    ]);
    expect(messages(manifest({ logo_url: 'http://allthrive.ai/logo.png' }))).toEqual([
      'ai-plugin-url: logo_url http://allthrive.ai/logo.png must use HTTPS.',
    ]);
    expect(messages(manifest({ api: { type: 'openapi', url: 'https://api.other.example/openapi.yaml' } }))).toEqual([
      'ai-plugin-url: api.url https://api.other.example/openapi.yaml must be on the site or one of its subdomains (allthrive.ai).',
    ]);
    const subdomain = plugin(manifest({ api: { type: 'openapi', url: 'https://api.allthrive.ai/openapi.yaml' } }));
    expect(subdomain.findings).toEqual([]);
    expect(subdomain.result.apiUrl).toBeUndefined();
    expect(messages(manifest({ api: { type: 'graphql', url: 'https://allthrive.ai/openapi.yaml' } }))).toEqual([
      'ai-plugin-field: api.type must be \'openapi\' (found "graphql").',
    ]);
  });
});

function llms(text: string | Buffer) {
  const findings = new FindingList();
  const summary = checkLlmsTxt(Buffer.isBuffer(text) ? text : Buffer.from(text), 'llms.txt', SITE, findings);
  return { summary, rules: findings.items.map((f) => `${f.rule}@${f.line ?? '-'}:${f.severity}`) };
}

describe('llms.txt', () => {
  it('accepts the proposal’s structure: H1, summary, prose, H2 file lists, Optional', () => {
    const text =
      '# All Thrive\n\n> AI projects.\n\nSome prose.\n\n## Docs\n\n- [About](https://allthrive.ai/about/): what it is\n- [API](/api/docs.md)\n\n## Optional\n\n- [Blog](https://allthrive.ai/blog/)\n';
    const { summary, rules } = llms(text);
    expect(rules).toEqual([]);
    expect(summary).toEqual({
      title: 'All Thrive',
      sections: [
        { name: 'Docs', links: 2 },
        { name: 'Optional', links: 1 },
      ],
    });
  });

  it('accepts a file with only the H1 title (the reference parser crashes on it)', () => {
    expect(llms('# Title\n').rules).toEqual([]);
    expect(llms('# Title').rules).toEqual([]);
  });

  it('llms-title: no H1 first, empty file', () => {
    expect(llms('All Thrive\n## Docs\n').rules).toEqual(['llms-title@1:error']);
    expect(llms('## Docs\n').rules).toEqual(['llms-title@1:error']);
    expect(llms('\n\n').rules).toEqual(['llms-title@-:error']);
  });

  it('llms-structure: a second H1 and H3 headings', () => {
    expect(llms('# A\n## Docs\n- [x](/x)\n### Deep\n# B\n').rules).toEqual(['llms-structure@4:warning', 'llms-structure@5:warning']);
  });

  it('llms-link and llms-empty-section', () => {
    expect(llms('# A\n## Docs\n- plain item\n- [](/x)\n- [Broken](http://[bad)\n## Empty\nJust prose.\n').rules).toEqual([
      'llms-link@3:warning',
      'llms-link@4:warning',
      'llms-link@5:error',
      'llms-empty-section@6:warning',
    ]);
  });

  it('llms-encoding: invalid UTF-8 and a BOM', () => {
    expect(llms(Buffer.from([0x23, 0x20, 0xff, 0x0a])).rules).toEqual(['llms-encoding@-:error']);
    expect(llms(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('# A\n')])).rules).toEqual(['llms-encoding@1:warning']);
  });

  it('ignores headings inside code fences', () => {
    expect(llms('# A\n\n```\n# not a title\n### nor this\n```\n').rules).toEqual([]);
  });
});
