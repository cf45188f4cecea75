/**
 * Calendar arithmetic on YYYY-MM-DD dates, in UTC so that no time zone moves a
 * day. Ages and periods count completed units (周岁 / 满 N 年): a person born on
 * 2000-03-01 is 22 on 2022-03-01 and still 21 on 2022-02-28. Written by hand
 * because it is twenty lines and the libraries that do it (date-fns, luxon)
 * bring time zones and locales the rules never need.
 */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface CalendarDate {
  readonly y: number;
  readonly m: number;
  readonly d: number;
}

export function parseDate(text: unknown): CalendarDate | undefined {
  if (typeof text !== 'string') return undefined;
  const match = ISO_DATE.exec(text);
  if (!match) return undefined;
  const y = Number(match[1]);
  const m = Number(match[2]);
  const d = Number(match[3]);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
  const probe = new Date(0);
  probe.setUTCFullYear(y, m - 1, d);
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== m - 1 || probe.getUTCDate() !== d) return undefined;
  return { y, m, d };
}

/**
 * The dates zhidu decides on and stores: four-digit years from 1000. Outside
 * it, PostgreSQL's timestamps and plain string comparison of YYYY-MM-DD both
 * stop meaning what they say (10000-01-01 sorts before 2024-01-01).
 */
export const DATE_RANGE = { min: '1000-01-01', max: '9999-12-31' } as const;

export function inDateRange(date: CalendarDate): boolean {
  return date.y >= 1000 && date.y <= 9999;
}

export function isIsoDate(text: unknown): text is string {
  return parseDate(text) !== undefined;
}

export function dayNumber(date: CalendarDate): number {
  return Date.UTC(date.y, date.m - 1, date.d) / 86_400_000;
}

/** Completed months from a to b (negative when b is before a). */
export function monthsBetween(a: CalendarDate, b: CalendarDate): number {
  if (dayNumber(b) < dayNumber(a)) return -monthsBetween(b, a);
  let months = (b.y - a.y) * 12 + (b.m - a.m);
  if (b.d < a.d) months -= 1;
  return months;
}

export function yearsBetween(a: CalendarDate, b: CalendarDate): number {
  const months = monthsBetween(a, b);
  return months < 0 ? -Math.floor(-months / 12) : Math.floor(months / 12);
}

export function daysBetween(a: CalendarDate, b: CalendarDate): number {
  return dayNumber(b) - dayNumber(a);
}

export function formatDate(date: CalendarDate): string {
  return `${String(date.y).padStart(4, '0')}-${String(date.m).padStart(2, '0')}-${String(date.d).padStart(2, '0')}`;
}

export function addDays(a: CalendarDate, days: number): CalendarDate {
  const t = new Date((dayNumber(a) + days) * 86_400_000);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/**
 * The same day n months later (民法典 第二百零二条: a period in months ends on the
 * corresponding day of the last month, or on that month's last day when it has
 * no such day): 2024-01-31 + 1 month = 2024-02-29.
 */
export function addMonths(a: CalendarDate, months: number): CalendarDate {
  const index = a.y * 12 + (a.m - 1) + months;
  const y = Math.floor(index / 12);
  const m = index - y * 12 + 1;
  const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { y, m, d: Math.min(a.d, lastDay) };
}

export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return dayNumber(a) - dayNumber(b);
}
