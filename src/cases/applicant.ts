/**
 * The applicant's personal data as a case file holds it: the resident
 * identity card number (GB 11643-1999 citizen identification number, with its
 * ISO 7064 MOD 11-2 check character), name and phone, normalised from what a
 * Chinese input method types (full-width digits, ｘ) and masked for lists.
 * Hand-written: the check is twenty lines and no maintained npm package does
 * only this without pulling in region tables we do not need.
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

/** Full-width ASCII (０-９, Ｘ, ｘ, －) to half-width; spaces dropped. */
export function toHalfWidth(text: string): string {
  return text.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/[\s\u3000]+/g, '');
}

export type IdNumberProblem = 'length' | 'characters' | 'birth_date' | 'checksum';

export interface IdNumberCheck {
  readonly ok: boolean;
  /** The number as stored: 18 characters, upper-case X. */
  readonly value: string;
  readonly problem?: IdNumberProblem;
}

/** What is wrong with a number, in words a caseworker reads. */
export const ID_NUMBER_PROBLEMS: Record<IdNumberProblem, string> = {
  length: '应为 18 位（旧式 15 位号码请换领后的新号码）',
  characters: '前 17 位应为数字，末位为数字或 X',
  birth_date: '第 7–14 位的出生日期不存在',
  checksum: '校验位不符，请逐位核对',
};

export function checkIdNumber(raw: string): IdNumberCheck {
  const value = toHalfWidth(raw).toUpperCase();
  if (value.length !== 18) return { ok: false, value, problem: 'length' };
  if (!/^[1-9]\d{16}[\dX]$/.test(value)) return { ok: false, value, problem: 'characters' };
  const y = Number(value.slice(6, 10));
  const m = Number(value.slice(10, 12));
  const d = Number(value.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1800 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return { ok: false, value, problem: 'birth_date' };
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(value[i]) * (WEIGHTS[i] as number);
  if (CHECK_CHARS[sum % 11] !== value[17]) return { ok: false, value, problem: 'checksum' };
  return { ok: true, value };
}

/** 110105194912310021 → 110***********0021: the region's first digits and the last four, as lists show it. */
export function maskIdNumber(value: string): string {
  if (value.length < 8) return '*'.repeat(value.length);
  return value.slice(0, 3) + '*'.repeat(value.length - 7) + value.slice(-4);
}

/** 13812345678 → 138****5678. */
export function maskPhone(value: string): string {
  if (value.length < 7) return '*'.repeat(value.length);
  return value.slice(0, 3) + '*'.repeat(value.length - 7) + value.slice(-4);
}

/** 张三 → 张*, 欧阳娜娜 → 欧***: the family name stays, for a role that may not see the rest. */
export function maskName(value: string): string {
  const chars = [...value];
  return chars.length <= 1 ? '*' : (chars[0] as string) + '*'.repeat(chars.length - 1);
}

/** Mainland mobile (11 digits, 1[3-9]…) or a landline with its area code (010-12345678); null if neither. */
export function normalisePhone(raw: string): string | null {
  // "(010)12345678": the brackets mark where the area code ends, which the digits alone do not.
  const v = toHalfWidth(raw).replace(/^\((0\d{2,3})\)/, '$1-');
  if (/^1[3-9]\d{9}$/.test(v)) return v;
  const land = /^(0\d{2,3})-?(\d{7,8})$/.exec(v);
  return land ? `${land[1]}-${land[2]}` : null;
}

/** A name as written on the identity card: Chinese (with the middle dot of minority names) or Latin letters, 1–50 characters. */
export function normaliseName(raw: string): string | null {
  const v = raw.trim().replace(/\s+/g, ' ').replace(/[.·•]/g, '·');
  if (v.length === 0 || [...v].length > 50) return null;
  return /^[\p{Script=Han}A-Za-z·' -]+$/u.test(v) ? v : null;
}
