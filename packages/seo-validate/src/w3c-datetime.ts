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
