/**
 * W3C Datetime (NOTE-datetime): YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mmTZD,
 * YYYY-MM-DDThh:mm:ssTZD, YYYY-MM-DDThh:mm:ss.sTZD, with TZD = Z or ±hh:mm required whenever a
 * time is present. The sitemap protocol names this format for <lastmod>.
 */
const PATTERN = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(?:Z|([+-])(\d{2}):(\d{2})))?)?)?$/;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS[month - 1];
}

/**
 * The earliest instant a W3C datetime can denote, in ms since the epoch, or NaN when the value is
 * not a valid W3C datetime (wrong shape, month 13, February 30, 24:00, offset beyond ±14:00).
 */
export function parseW3cDatetime(value: string): number {
  const fast = parseCommon(value);
  if (fast !== undefined) return fast;
  const m = PATTERN.exec(value);
  if (!m) return NaN;
  const year = Number(m[1]);
  const month = m[2] === undefined ? 1 : Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return NaN;
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  let offset = 0;
  if (m[8] !== undefined) {
    const tzh = Number(m[9]);
    const tzm = Number(m[10]);
    if (tzh > 14 || tzm > 59) return NaN;
    offset = (m[8] === '-' ? -1 : 1) * (tzh * 60 + tzm) * 60_000;
  }
  const fraction = m[7] ? Math.floor(Number(m[7]) * 1000) : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second, fraction) - offset;
}

export function isValidW3cDatetime(value: string): boolean {
  return !Number.isNaN(parseW3cDatetime(value));
}

const digit = (value: string, at: number) => value.charCodeAt(at) - 48;
const two = (value: string, at: number) => {
  const a = digit(value, at);
  const b = digit(value, at + 1);
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
};

/**
 * The two shapes sitemap generators write (YYYY-MM-DD and YYYY-MM-DDThh:mm:ss±hh:mm / Z) read
 * without a regular expression; undefined sends every other shape to the full parser.
 */
function parseCommon(value: string): number | undefined {
  const length = value.length;
  if (length !== 10 && length !== 20 && length !== 25) return undefined;
  if (value[4] !== '-' || value[7] !== '-') return undefined;
  const high = two(value, 0);
  const low = two(value, 2);
  const month = two(value, 5);
  const day = two(value, 8);
  if (high < 0 || low < 0 || month < 1 || month > 12 || day < 1) return undefined;
  const year = high * 100 + low;
  if (day > daysIn(year, month)) return NaN;
  if (length === 10) return Date.UTC(year, month - 1, day);
  if (value[10] !== 'T' || value[13] !== ':' || value[16] !== ':') return undefined;
  const hour = two(value, 11);
  const minute = two(value, 14);
  const second = two(value, 17);
  if (hour < 0 || minute < 0 || second < 0) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  let offset = 0;
  if (length === 20) {
    if (value[19] !== 'Z') return undefined;
  } else {
    const sign = value[19];
    if ((sign !== '+' && sign !== '-') || value[22] !== ':') return undefined;
    const tzh = two(value, 20);
    const tzm = two(value, 23);
    if (tzh < 0 || tzm < 0) return undefined;
    if (tzh > 14 || tzm > 59) return NaN;
    offset = (sign === '-' ? -1 : 1) * (tzh * 60 + tzm) * 60_000;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second) - offset;
}

/**
 * The sitemaps.org schema types <lastmod> as the union of xsd:date and xsd:dateTime (XML Schema
 * Part 2 §3.2.7, §3.2.9): a date may carry a timezone, a dateTime must have seconds and may omit
 * the timezone. Four-digit years only (what a sitemap means in practice).
 */
const XSD_DATE = /^\d{4}-\d{2}-\d{2}(?:Z|[+-]\d{2}:\d{2})?$/;
const XSD_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$/;

export type LastmodVerdict =
  /** Valid W3C Datetime and valid for the schema. */
  | 'ok'
  /** Schema-valid dateTime without a timezone (Django `date:"c"` for naive datetimes): W3C wants one. */
  | 'no-timezone'
  /** Schema-valid date with a timezone (`2024-01-01Z`): W3C dates carry none; crawlers read the date. */
  | 'date-timezone'
  /** W3C Datetime the schema rejects (YYYY, YYYY-MM, hh:mm without seconds): xmllint --schema fails. */
  | 'schema-rejects'
  /** Neither W3C Datetime nor schema-valid. */
  | 'invalid';

/** How a <lastmod> value fares against W3C Datetime and the sitemap schema, and the instant it denotes (NaN when invalid). */
export function classifyLastmod(value: string): { verdict: LastmodVerdict; at: number } {
  // The two shapes generators write are valid for both W3C and the schema: no pattern needed.
  const common = parseCommon(value);
  if (common !== undefined && !Number.isNaN(common)) return { verdict: 'ok', at: common };
  const w3c = parseW3cDatetime(value);
  const schema = XSD_DATE.test(value) || XSD_DATETIME.test(value);
  if (!Number.isNaN(w3c)) return { verdict: schema ? 'ok' : 'schema-rejects', at: w3c };
  if (!schema) return { verdict: 'invalid', at: NaN };
  // Schema-valid but not W3C: read the calendar part (and time) as UTC for the "future" check.
  const zone = /(?:Z|[+-]\d{2}:\d{2})$/.exec(value);
  const base = zone ? value.slice(0, zone.index) : value;
  const at = parseW3cDatetime(base.includes('T') ? `${base.replace(/(\.\d{1,3})\d*$/, '$1')}Z` : base);
  if (Number.isNaN(at)) return { verdict: 'invalid', at: NaN };
  return { verdict: base.includes('T') ? 'no-timezone' : 'date-timezone', at };
}
