import { describe, it, expect } from 'vitest';
import { normaliseAnswer, normaliseDate, normaliseNumber, toHalfWidth } from '../web/input-normalise.js';

describe('web form: what Chinese input methods produce', () => {
  it('turns full-width digits and punctuation into ASCII', () => {
    expect(toHalfWidth('２０２５－０６，．（）　Ａ')).toBe('2025-06,.() A');
    expect(normaliseNumber('１２．５')).toBe('12.5');
    expect(normaliseNumber('１２。５')).toBe('12.5');
    expect(normaliseNumber('１，２３４，５６７')).toBe('1234567');
    expect(normaliseNumber('1、234')).toBe('1234');
  });

  it.each([
    ['1.5万', '15000'],
    ['1.5万元', '15000'],
    ['３万', '30000'],
    ['0.00015万', '1.5'],
    ['.5万', '5000'],
    ['12.34567万', '123456.7'],
    ['-2万', '-20000'],
    ['800元', '800'],
    ['0万', '0'],
  ])('money %s is exactly %s', (raw, expected) => {
    expect(normaliseNumber(raw, { money: true })).toBe(expected);
  });

  it('leaves 万 alone where the fact is not money, and text it cannot read as it was', () => {
    expect(normaliseNumber('1.5万')).toBe('1.5万');
    expect(normaliseNumber('约1万', { money: true })).toBe('约1万');
  });

  it.each([
    ['2025年6月1日', '2025-06-01'],
    ['２０２５年１２月３１日', '2025-12-31'],
    ['2025/6/1', '2025-06-01'],
    ['2025-06-01', '2025-06-01'],
    ['六月一日', '六月一日'],
  ])('date %s → %s', (raw, expected) => {
    expect(normaliseDate(raw)).toBe(expected);
  });

  it('normalises by the fact schema: money only with x-unit 元, dates only with format date', () => {
    expect(normaliseAnswer({ type: 'number', 'x-unit': '元' }, '1.5万')).toBe('15000');
    expect(normaliseAnswer({ type: 'string', format: 'decimal', 'x-unit': '元' }, '２．５万元')).toBe('25000');
    expect(normaliseAnswer({ type: 'integer' }, '１２')).toBe('12');
    expect(normaliseAnswer({ type: 'string', format: 'date' }, '2025年6月1日')).toBe('2025-06-01');
    expect(normaliseAnswer({ type: 'string' }, '２号楼')).toBe('２号楼');
  });
});

describe('the form check uses the normaliser', () => {
  it('accepts 1.5万 for a money fact and 2025年6月1日 for a date, as the values the API expects', async () => {
    // Through a variable: fact-check.js is a browser module without type declarations.
    const path = '../web/fact-check.js';
    const { checkAnswer } = (await import(path)) as { checkAnswer: (name: string, prop: object, raw: string, required: boolean) => { value?: unknown; error?: string } };
    expect(checkAnswer('income', { type: 'number', 'x-unit': '元' }, '1.5万', true)).toEqual({ value: 15000 });
    expect(checkAnswer('income', { type: 'string', format: 'decimal', 'x-unit': '元' }, '１２，３４５．６元', true)).toEqual({ value: '12345.6' });
    expect(checkAnswer('start', { type: 'string', format: 'date' }, '2025年6月1日', true)).toEqual({ value: '2025-06-01' });
    expect(checkAnswer('count', { type: 'integer' }, '１.5万', true).error).toBeDefined();
  });
});
