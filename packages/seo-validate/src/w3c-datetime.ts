/**
 * W3C Datetime (NOTE-datetime): YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mmTZD,
 * YYYY-MM-DDThh:mm:ssTZD, YYYY-MM-DDThh:mm:ss.sTZD, with TZD = Z or ±hh:mm required whenever a
 * time is present. The sitemap protocol names this format for <lastmod>.
 */
const PATTERN = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-](\d{2}):(\d{2})))?)?)?$/;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function isValidW3cDatetime(value: string): boolean {
  const m = PATTERN.exec(value);
  if (!m) return false;
  const [, , month, day, hour, minute, second, , , tzh, tzm] = m;
  const year = Number(m[1]);
  if (month !== undefined && (Number(month) < 1 || Number(month) > 12)) return false;
  if (day !== undefined && (Number(day) < 1 || Number(day) > daysIn(year, Number(month)))) return false;
  if (hour !== undefined && (Number(hour) > 23 || Number(minute) > 59)) return false;
  if (second !== undefined && Number(second) > 59) return false;
  if (tzh !== undefined && (Number(tzh) > 14 || Number(tzm) > 59)) return false;
  return true;
}

/** The earliest instant the value can denote, in ms since the epoch (valid values only). */
export function w3cDatetimeToMs(value: string): number {
  const m = PATTERN.exec(value)!;
  const [, year, month = '01', day = '01', hour = '00', minute = '00', second = '00', fraction = '', tz = 'Z'] = m;
  return Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}${tz}`);
}
