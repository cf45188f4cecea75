import { RE2JS } from 're2js';
import type { RegExpEngine } from 'ajv/dist/types/index.js';

/**
 * ajv's `pattern` and `patternProperties` run through RE2 (re2js, a pure-JS
 * port of the linear-time engine) instead of the native backtracking RegExp:
 * patterns come from rule files, and `^(a+)+$` against a 31-character fact
 * froze the server for 8 s. RE2 matches in time linear in the input, always;
 * what it cannot do in linear time (back-references, look-around) it refuses
 * when the schema is compiled, so such a rule file never loads.
 */
export const PATTERN_REFUSED_PREFIX = '正则表达式不受支持';

function re2(pattern: string, _flags: string): { test(s: string): boolean; toString(): string } {
  let compiled: RE2JS;
  try {
    // translateRegExp maps ECMAScript spellings RE2 writes differently ((?<n>…), \u{…}).
    compiled = RE2JS.compile(RE2JS.translateRegExp(pattern));
  } catch (err) {
    throw new Error(`${PATTERN_REFUSED_PREFIX}：${JSON.stringify(pattern)}（只支持可线性时间匹配的写法，不支持反向引用与前后断言）(unsupported regular expression: ${(err as Error).message})`);
  }
  // ajv keys its cache of compiled patterns by toString(): each must be distinct, as a RegExp's /…/u is.
  const text = `/${pattern}/u`;
  return { test: (s: string) => compiled.test(s), toString: () => text };
}

/** `code` is what ajv's standalone code generation would emit; we never generate standalone code. */
export const re2RegExp: RegExpEngine = Object.assign(re2, { code: 'require("re2js").RE2JS.compile' });
