/**
 * RFC 3339 (section 5.6) date-times, as image-spec asks of the `created` annotation and of an image config's
 * `created` timestamps: one fast check that allocates nothing, and the reason when a value fails it.
 */
import { shorten } from './findings';

/** A problem with a date-time, as the end of a sentence, and the corrected value when it is certain. */
export interface DateTimeProblem {
  says: string;
  replacement?: string;
}

const q = (s: string): string => JSON.stringify(shorten(s));

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The value of the two decimal digits at `i`, or -1 when they are not both digits. */
function twoDigits(v: string, i: number): number {
  const a = v.charCodeAt(i) - 48;
  const b = v.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * True when `v` is a valid RFC 3339 date-time, read with char codes and no allocation: the common case in
 * an index with thousands of `created` annotations. False sends the value to `dateTimeProblem` for the reason.
 */
export function isValidDateTime(v: string): boolean {
  const n = v.length;
  if (n < 20) return false;
  const y1 = twoDigits(v, 0);
  const y2 = twoDigits(v, 2);
  const month = twoDigits(v, 5);
  const day = twoDigits(v, 8);
  const t = v.charCodeAt(10);
  const hour = twoDigits(v, 11);
  const minute = twoDigits(v, 14);
  const second = twoDigits(v, 17);
  if (
    y1 < 0 ||
    y2 < 0 ||
    v.charCodeAt(4) !== 45 || // -
    v.charCodeAt(7) !== 45 ||
    (t !== 84 && t !== 116) || // T t
    v.charCodeAt(13) !== 58 || // :
    v.charCodeAt(16) !== 58 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 60
  )
    return false;
  const year = y1 * 100 + y2;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 && !leap ? 28 : DAYS[month - 1]!)) return false;
  let i = 19;
  if (v.charCodeAt(i) === 46) {
    // .fraction: one digit or more
    const first = ++i;
    for (let c = v.charCodeAt(i); c >= 48 && c <= 57; c = v.charCodeAt(++i));
    if (i === first) return false;
  }
  const z = v.charCodeAt(i);
  if (z === 90 || z === 122) return i + 1 === n; // Z z
  if (z !== 43 && z !== 45) return false; // + -
  const oh = twoDigits(v, i + 1);
  const om = twoDigits(v, i + 4);
  return i + 6 === n && v.charCodeAt(i + 3) === 58 && oh >= 0 && oh <= 23 && om >= 0 && om <= 59;
}

/** RFC 3339 section 5.6 `date-time`: full date, `T`, full time with an offset. */
export function dateTimeProblem(v: string): DateTimeProblem | undefined {
  if (isValidDateTime(v)) return undefined;
  const m = DATE_TIME.exec(v);
  const expect = 'an RFC 3339 date-time such as "2024-05-01T12:30:00Z"';
  if (!m) {
    if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v)) {
      const fixed = v.replace(' ', 'T');
      if (DATE_TIME.test(fixed))
        return {
          says: `separates date and time with a space; RFC 3339 date-times use "T": ${q(fixed)}`,
          replacement: fixed,
        };
    }
    if (/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{4}$/.test(v)) {
      const fixed = `${v.slice(0, -2)}:${v.slice(-2)}`.replace(' ', 'T');
      if (DATE_TIME.test(fixed))
        return {
          says: `writes the offset without a colon; RFC 3339 needs "±hh:mm": ${q(fixed)}`,
          replacement: fixed,
        };
    }
    if (/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)) {
      return {
        says: `has no time-zone offset; RFC 3339 requires one, e.g. "Z" for UTC or "+02:00" (${expect})`,
      };
    }
    if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return { says: `is a date without a time; the value is ${expect}` };
    if (/^\d{9,13}$/.test(v)) return { says: `looks like a Unix timestamp; the value is ${expect}` };
    return { says: `is not ${expect}` };
  }
  const [, y, mo, d, h, mi, s, , , oh, om] = m;
  const month = Number(mo);
  const day = Number(d);
  const year = Number(y);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (month < 1 || month > 12) return { says: `has month ${mo}; months are 01 to 12` };
  const maxDay = month === 2 && !leap ? 28 : DAYS[month - 1]!;
  if (day < 1 || day > maxDay) return { says: `has day ${d}, which does not exist in ${y}-${mo}` };
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 60)
    return { says: `has the time ${h}:${mi}:${s}, which is out of range` };
  if (oh !== undefined && (Number(oh) > 23 || Number(om) > 59))
    return { says: `has the offset ${oh}:${om}, which is out of range` };
  return undefined;
}
