import { ZhiduError } from '../errors/finding.js';
import { phrase } from '../errors/catalogue.js';
import { parseDate, inDateRange, DATE_RANGE } from './calendar.js';

/** A decision date: YYYY-MM-DD (AS_OF_INVALID), and within the dates zhidu can store and compare (AS_OF_RANGE). */
export function assertAsOf(asOf: string): void {
  if (/^\d{4}-\d{2}-\d{2}$/.test(asOf)) {
    const date = parseDate(asOf);
    if (date && !inDateRange(date)) throw new ZhiduError('AS_OF_RANGE', { found: asOf, expected: phrase('DATE_SPAN', { found: DATE_RANGE.min, expected: DATE_RANGE.max }) });
    if (date) return;
  }
  throw new ZhiduError('AS_OF_INVALID', { found: asOf });
}
