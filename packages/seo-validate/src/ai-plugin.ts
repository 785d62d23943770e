/**
 * /.well-known/ai-plugin.json (OpenAI plugin manifest, schema_version v1): every field with its
 * type and length limit (counted in Unicode code points), the auth variants, and URLs that must
 * be HTTPS on site-url. The format is legacy (ChatGPT plugins closed in 2024) but agent tools
 * still read it, so a file that is present is checked strictly.
 */
import { clip, type FindingList } from './findings.js';

export interface ManifestCheck {
  /** `api.url` as an absolute URL, when it is on site-url (the engine then fetches it). */
  apiUrl?: URL;
}

type Json = Record<string, unknown>;

const FIELDS: { name: string; max?: number }[] = [
  { name: 'schema_version' },
  { name: 'name_for_human', max: 20 },
  { name: 'name_for_model', max: 50 },
  { name: 'description_for_human', max: 100 },
  { name: 'description_for_model', max: 8000 },
  { name: 'logo_url' },
  { name: 'contact_email' },
  { name: 'legal_info_url' },
];

const length = (s: string) => [...s].length;

/** Reports a JSON.parse error with its line and column. */
function parseError(text: string, error: Error): { line: number; column: number; message: string } {
  const position = /position (\d+)/.exec(error.message);
  const lineColumn = /line (\d+) column (\d+)/.exec(error.message);
  if (lineColumn) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]), message: error.message };
  if (position) {
    const before = text.slice(0, Number(position[1]));
    const line = before.split('\n').length;
    return { line, column: before.length - before.lastIndexOf('\n'), message: error.message };
  }
  return { line: 1, column: 1, message: error.message };
}

/**
 * local@domain.tld: one '@', no whitespace, a dot inside the domain. Split by hand: the pattern
 * `^[^\s@]+@[^\s@]+\.[^\s@]+$` is quadratic on 'a@' followed by many dots.
 */
function isEmailAddress(value: string): boolean {
  if (/\s/.test(value)) return false;
  const at = value.indexOf('@');
  if (at < 1 || value.indexOf('@', at + 1) >= 0) return false;
  const domain = value.slice(at + 1);
  return domain.length >= 3 && domain.slice(1, -1).includes('.');
}

function lineOf(text: string, key: string): number | undefined {
  const index = text.indexOf(`"${key}"`);
  return index < 0 ? undefined : text.slice(0, index).split('\n').length;
}

export function checkAiPlugin(bytes: Buffer, file: string, siteUrl: URL, findings: FindingList): ManifestCheck {
  const result: ManifestCheck = {};
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    findings.add(
      'ai-plugin-json',
      'error',
      file,
      'ai-plugin.json starts with a UTF-8 byte order mark; strict JSON parsers reject it (RFC 8259 §8.1).',
      1,
    );
    bytes = bytes.subarray(3);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    findings.add('ai-plugin-json', 'error', file, 'ai-plugin.json is not valid UTF-8.');
    return result;
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    const where = parseError(text, error as Error);
    findings.add('ai-plugin-json', 'error', file, `ai-plugin.json is not valid JSON: ${where.message}.`, where.line, where.column);
    return result;
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    findings.add('ai-plugin-json', 'error', file, 'ai-plugin.json must be a JSON object.', 1);
    return result;
  }
  const m = manifest as Json;
  const at = (key: string) => lineOf(text, key);
  findings.add(
    'ai-plugin-legacy',
    'notice',
    file,
    'ai-plugin.json is the legacy ChatGPT plugin manifest (plugins were retired in 2024); it is still read by some agent tools, so it is checked.',
  );

  for (const { name, max } of FIELDS) {
    const value = m[name];
    if (value === undefined) {
      findings.add('ai-plugin-field', 'error', file, `Required field '${name}' is missing.`);
      continue;
    }
    if (typeof value !== 'string') {
      findings.add(
        'ai-plugin-field',
        'error',
        file,
        `'${name}' must be a string, not ${Array.isArray(value) ? 'an array' : typeof value}.`,
        at(name),
      );
      continue;
    }
    if (!value.trim()) {
      findings.add('ai-plugin-field', 'error', file, `'${name}' is empty.`, at(name));
      continue;
    }
    if (max !== undefined && length(value) > max) {
      findings.add('ai-plugin-field', 'error', file, `'${name}' is ${length(value)} characters; the limit is ${max}.`, at(name));
    }
  }
  if (typeof m.schema_version === 'string' && m.schema_version !== 'v1') {
    findings.add(
      'ai-plugin-field',
      'error',
      file,
      `schema_version '${clip(m.schema_version, 20)}' is not 'v1', the only version of this manifest.`,
      at('schema_version'),
    );
  }
  if (typeof m.name_for_model === 'string' && m.name_for_model && !/^[A-Za-z0-9_]+$/.test(m.name_for_model)) {
    findings.add(
      'ai-plugin-field',
      'error',
      file,
      `name_for_model '${clip(m.name_for_model, 60)}' may contain only letters, digits and '_' (no spaces).`,
      at('name_for_model'),
    );
  }
  if (typeof m.contact_email === 'string' && m.contact_email && !isEmailAddress(m.contact_email)) {
    findings.add(
      'ai-plugin-field',
      'error',
      file,
      `contact_email '${clip(m.contact_email, 60)}' is not an email address.`,
      at('contact_email'),
    );
  }
  for (const key of ['logo_url', 'legal_info_url']) {
    const value = m[key];
    if (typeof value === 'string' && value.trim()) checkUrl(value, key, siteUrl, file, findings, at(key), false);
  }
  if (typeof m.logo_url === 'string' && /\.gif(\?|$)/i.test(m.logo_url)) {
    findings.add('ai-plugin-field', 'error', file, 'logo_url must not be a GIF.', at('logo_url'));
  }

  checkAuth(m.auth, file, findings, at);

  const api = m.api;
  if (api === undefined) findings.add('ai-plugin-field', 'error', file, "Required object 'api' is missing.");
  else if (typeof api !== 'object' || api === null || Array.isArray(api))
    findings.add('ai-plugin-field', 'error', file, "'api' must be an object.", at('api'));
  else {
    const a = api as Json;
    if (a.type !== 'openapi')
      findings.add('ai-plugin-field', 'error', file, `api.type must be 'openapi' (found ${JSON.stringify(a.type)}).`, at('type'));
    for (const flag of ['is_user_authenticated', 'has_user_authentication']) {
      if (a[flag] !== undefined && typeof a[flag] !== 'boolean')
        findings.add('ai-plugin-field', 'error', file, `api.${flag} must be true or false.`, at(flag));
    }
    if (typeof a.url !== 'string' || !a.url.trim())
      findings.add('ai-plugin-field', 'error', file, 'api.url (the OpenAPI document URL) is missing.', at('api'));
    else result.apiUrl = checkUrl(a.url, 'api.url', siteUrl, file, findings, at('url'), true);
  }
  return result;
}

function checkUrl(
  value: string,
  key: string,
  siteUrl: URL,
  file: string,
  findings: FindingList,
  line: number | undefined,
  sameSite: boolean,
): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    findings.add('ai-plugin-url', 'error', file, `${key} '${clip(value)}' is not an absolute URL; write ${siteUrl.origin}/….`, line);
    return undefined;
  }
  if (url.protocol !== 'https:' && siteUrl.protocol === 'https:') {
    findings.add('ai-plugin-url', 'error', file, `${key} ${clip(value)} must use HTTPS.`, line);
  }
  const root = siteUrl.hostname.replace(/^www\./, '');
  const onSite = url.hostname === root || url.hostname.endsWith(`.${root}`);
  if (!onSite) {
    const rule = sameSite ? 'must be on the site or one of its subdomains' : 'should be on the same site';
    findings.add('ai-plugin-url', sameSite ? 'error' : 'warning', file, `${key} ${clip(value)} ${rule} (${siteUrl.host}).`, line);
    return undefined;
  }
  return url.origin === siteUrl.origin ? url : undefined;
}

function checkAuth(auth: unknown, file: string, findings: FindingList, at: (key: string) => number | undefined): void {
  if (auth === undefined) {
    findings.add('ai-plugin-auth', 'error', file, 'Required object \'auth\' is missing (use {"type": "none"} for no authentication).');
    return;
  }
  if (typeof auth !== 'object' || auth === null || Array.isArray(auth)) {
    findings.add('ai-plugin-auth', 'error', file, "'auth' must be an object.", at('auth'));
    return;
  }
  const a = auth as Json;
  const line = at('auth');
  const need = (key: string, accepted?: string[], mayBeEmpty = false) => {
    const value = a[key];
    if (mayBeEmpty && value !== undefined && typeof value !== 'string')
      findings.add('ai-plugin-auth', 'error', file, `auth type '${String(a.type)}' requires '${key}' (a string; it may be empty).`, line);
    else if (typeof value !== 'string' || (!value && !mayBeEmpty))
      findings.add('ai-plugin-auth', 'error', file, `auth type '${String(a.type)}' requires '${key}'.`, line);
    else if (accepted && !accepted.includes(value))
      findings.add('ai-plugin-auth', 'error', file, `auth.${key} '${clip(value, 40)}' must be one of ${accepted.join(', ')}.`, line);
  };
  const tokens = () => {
    const value = a.verification_tokens;
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
      findings.add(
        'ai-plugin-auth',
        'error',
        file,
        `auth type '${String(a.type)}' requires 'verification_tokens', an object of strings (e.g. {"openai": "…"}).`,
        line,
      );
    }
  };
  switch (a.type) {
    case 'none':
      break;
    case 'user_http':
      need('authorization_type', ['bearer', 'basic']);
      break;
    case 'service_http':
      need('authorization_type', ['bearer', 'basic']);
      tokens();
      break;
    case 'oauth':
      need('client_url');
      // An OAuth client may ask for no particular scope: "" is a valid value (RFC 6749 §3.3 makes scope optional).
      need('scope', undefined, true);
      need('authorization_url');
      need('authorization_content_type', ['application/json', 'application/x-www-form-urlencoded']);
      tokens();
      break;
    default:
      findings.add(
        'ai-plugin-auth',
        'error',
        file,
        `auth.type ${JSON.stringify(a.type)} is not one of none, user_http, service_http, oauth.`,
        line,
      );
  }
}
