/**
 * `ngx.parse_http_time` (nginx ngx_parse_http_time): seconds since the epoch for the three
 * HTTP date formats — RFC 1123 `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850
 * `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994` — or undefined.
 * Like nginx, the weekday is not checked and nothing after the time/year is read.
 */
const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};
const MDAY = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function parseHttpTime(v: string): number | undefined {
  const end = v.length;
  const digit = (i: number): number => {
    const c = v.charCodeAt(i) - 48;
    return c >= 0 && c <= 9 ? c : -1;
  };
  const twoDigits = (i: number): number => {
    const a = digit(i);
    const b = digit(i + 1);
    return a < 0 || b < 0 ? -1 : a * 10 + b;
  };
  let fmt: 'isoc' | 'rfc822' | 'rfc850' | undefined;
  let p = 0;
  for (; p < end; p++) {
    if (v[p] === ',') break;
    if (v[p] === ' ') {
      fmt = 'isoc';
      break;
    }
  }
  for (p++; p < end; p++) if (v[p] !== ' ') break;
  if (end - p < 18) return undefined;
  let day = 0;
  if (fmt !== 'isoc') {
    day = twoDigits(p);
    if (day < 0) return undefined;
    p += 2;
    if (v[p] === ' ') {
      if (end - p < 18) return undefined;
      fmt = 'rfc822';
    } else if (v[p] === '-') fmt = 'rfc850';
    else return undefined;
    p++;
  }
  const month = MONTHS[v.slice(p, p + 3)];
  if (month === undefined) return undefined;
  p += 3;
  if ((fmt === 'rfc822' && v[p] !== ' ') || (fmt === 'rfc850' && v[p] !== '-')) return undefined;
  p++;
  let year = 0;
  if (fmt === 'rfc822') {
    const hi = twoDigits(p);
    const lo = twoDigits(p + 2);
    if (hi < 0 || lo < 0) return undefined;
    year = hi * 100 + lo;
    p += 4;
  } else if (fmt === 'rfc850') {
    year = twoDigits(p);
    if (year < 0) return undefined;
    year += year < 70 ? 2000 : 1900;
    p += 2;
  } else {
    if (v[p] === ' ') p++;
    const d1 = digit(p);
    if (d1 < 0) return undefined;
    day = d1;
    p++;
    if (v[p] !== ' ') {
      const d2 = digit(p);
      if (d2 < 0) return undefined;
      day = day * 10 + d2;
      p++;
    }
    if (end - p < 14) return undefined;
  }
  if (v[p++] !== ' ') return undefined;
  const hour = twoDigits(p);
  if (hour < 0 || v[p + 2] !== ':') return undefined;
  const min = twoDigits(p + 3);
  if (min < 0 || v[p + 5] !== ':') return undefined;
  const sec = twoDigits(p + 6);
  if (sec < 0) return undefined;
  p += 8;
  if (fmt === 'isoc') {
    if (v[p++] !== ' ') return undefined;
    const hi = twoDigits(p);
    const lo = twoDigits(p + 2);
    if (hi < 0 || lo < 0) return undefined;
    year = hi * 100 + lo;
  }
  if (hour > 23 || min > 59 || sec > 59) return undefined;
  if (day === 29 && month === 1) {
    if (year % 4 !== 0 || (year % 100 === 0 && year % 400 !== 0)) return undefined;
  } else if (day > MDAY[month]!) return undefined;
  return Date.UTC(year, month, day, hour, min, sec) / 1000;
}
