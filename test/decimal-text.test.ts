import { describe, expect, it } from 'vitest';
import { isDecimalText } from '../src/eval/decimal.js';
import { createAjv } from '../src/schema/ajv.js';

const ajv = createAjv({});
const decimalFormat = ajv.compile({ type: 'string', format: 'decimal' });

describe('one spelling of an exact decimal (web/decimal-text.js)', () => {
  const cases: Array<[string, boolean]> = [['0', true], ['0.5', true], ['-12.30', true], ['1880000', true], ['007', false], ['01.5', false], ['1e3', false], ['+1', false], ['1.', false], ['.5', false], ['', false]];
  it.each(cases)('%s: %s for the evaluator and for the `decimal` format alike', (text, ok) => {
    expect(isDecimalText(text)).toBe(ok);
    expect(decimalFormat(text)).toBe(ok);
  });
});
