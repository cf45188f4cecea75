import { describe, it, expect } from 'vitest';
import { checkIdNumber, maskIdNumber, maskName, maskPhone, normaliseName, normalisePhone } from '../../src/cases/applicant.js';

describe('identity card number (GB 11643-1999)', () => {
  it('accepts a number with its check character, as typed by a Chinese input method', () => {
    expect(checkIdNumber('11010519491231002X')).toEqual({ ok: true, value: '11010519491231002X' });
    expect(checkIdNumber('１１０１０５１９４９１２３１００２ｘ')).toEqual({ ok: true, value: '11010519491231002X' });
    expect(checkIdNumber(' 440524188001010014 ').ok).toBe(true);
  });
  it('refuses a wrong check character, length, characters or birth date, saying which', () => {
    expect(checkIdNumber('110105194912310021').problem).toBe('checksum');
    expect(checkIdNumber('110105491231002').problem).toBe('length');
    expect(checkIdNumber('11010519491231002Y').problem).toBe('characters');
    expect(checkIdNumber('010105194912310021').problem).toBe('characters');
    // 1949-02-30 does not exist (the check character is right for the digits).
    expect(checkIdNumber('110105194902300025').problem).toBe('birth_date');
  });
  it('masks for lists: first three and last four', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('110***********002X');
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskName('欧阳娜娜')).toBe('欧***');
  });
});

describe('name and phone', () => {
  it('normalise or refuse', () => {
    expect(normaliseName(' 阿依古丽·买买提 ')).toBe('阿依古丽·买买提');
    expect(normaliseName('<script>')).toBeNull();
    expect(normaliseName('')).toBeNull();
    expect(normalisePhone('１３８ １２３４ ５６７８')).toBe('13812345678');
    expect(normalisePhone('(010)12345678')).toBe('010-12345678');
    expect(normalisePhone('12345')).toBeNull();
  });
});
