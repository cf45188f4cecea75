import type { ErrorObject } from 'ajv';
import { ZhiduError, type FactViolation } from '../errors/finding.js';
import { formatMessage, type ErrorCode, type MessageParams } from '../errors/catalogue.js';
import { FORBIDDEN_KEYS } from '../text/yaml-source.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { errorMember, errorPointer } from '../schema/ajv-error.js';
import { describe } from '../load/schema-findings.js';
import { expectedWords, factLabel, foundWords } from '../../web/fact-words.js';

export const MAX_FACT_DEPTH = 8;

/**
 * Facts are checked against the rule set's input schema before any rule runs:
 * a missing required fact, an undeclared one or a wrong type is refused with
 * a specific error per fact, never answered wrongly. Optional facts may be
 * absent; the decision then says what is still unknown.
 */
export function checkFacts(rs: PreparedRuleSet, facts: unknown): Record<string, unknown> {
  if (facts === null || typeof facts !== 'object' || Array.isArray(facts)) {
    throw new ZhiduError('FACTS_INVALID', { detail: `事实必须是对象 (facts must be an object), found ${describe(facts)}` }, { pointer: '' });
  }
  const validate = rs.validateInputs;
  // Input schemas admit only flat scalar facts and no undeclared keys, so a
  // valid object cannot carry a prototype key; the scan only names it when invalid.
  if (!validate(facts)) {
    const violations: FactViolation[] = [];
    scanKeys(facts, '', 0, violations);
    if (violations.length > 0) {
      throw new ZhiduError('FACTS_INVALID', { detail: violations.map((v) => v.message).join('；') }, { pointer: violations[0]?.pointer ?? '', violations });
    }
    const list = onePerFact((validate.errors ?? []).map((e) => violation(e, facts as Record<string, unknown>, rs)));
    const first = list[0];
    throw new ZhiduError(
      'FACTS_INVALID',
      { detail: list.map((v) => v.message).join('；') },
      { pointer: first?.pointer ?? '', violations: list },
    );
  }
  return facts as Record<string, unknown>;
}

/**
 * A caseworker fixes one answer at a time: for each fact, say what kind of value it
 * needs before what range (a malformed amount also fails its pattern), once.
 */
function onePerFact(list: FactViolation[]): FactViolation[] {
  const byPointer = new Map<string, FactViolation>();
  for (const v of list) {
    const seen = byPointer.get(v.pointer);
    if (!seen || (seen.code === 'FACT_RANGE' && v.code === 'FACT_TYPE')) byPointer.set(v.pointer, v);
  }
  return [...byPointer.values()];
}

function scanKeys(value: unknown, pointer: string, depth: number, out: FactViolation[]): void {
  if (value === null || typeof value !== 'object') return;
  if (depth >= MAX_FACT_DEPTH) {
    out.push(make('FACTS_TOO_DEEP', pointer, { expected: MAX_FACT_DEPTH }));
    return;
  }
  for (const key of Object.keys(value)) {
    const p = `${pointer}/${key}`;
    if (FORBIDDEN_KEYS.has(key)) out.push(make('FACT_FORBIDDEN_KEY', p, { key }));
    else scanKeys((value as Record<string, unknown>)[key], p, depth + 1, out);
  }
}

function make(code: ErrorCode, pointer: string, params: MessageParams, enParams: MessageParams = params): FactViolation {
  return { code, pointer, message: formatMessage(code, params, 'zh'), message_en: formatMessage(code, enParams, 'en') };
}

type RangeKeyword = 'minimum' | 'maximum' | 'exclusiveMinimum' | 'exclusiveMaximum' | 'maxLength' | 'pattern';

/**
 * One ajv error as the caseworker reads it (the fact's title, the expected form
 * in words, the answer as typed) and as an integrator does (ids, JSON): the
 * wording is shared with the browser's own check (web/fact-words.js).
 */
function violation(e: ErrorObject, facts: Record<string, unknown>, rs: PreparedRuleSet): FactViolation {
  const props = rs.definition.inputs.properties as unknown as Record<string, Record<string, unknown>>;
  const key = e.instancePath.split('/')[1] ?? '';
  const prop = props[key];
  const pair = (code: ErrorCode, pointer: string, name: string, expected?: { zh: string; en: string }) => {
    const found = foundWords(facts[name]);
    const label = factLabel(name, props[name]);
    return make(
      code,
      pointer,
      { key: label, ...(expected ? { expected: expected.zh, found: found.zh } : {}) },
      { key: name, ...(expected ? { expected: expected.en, found: found.en } : {}) },
    );
  };
  switch (e.keyword) {
    case 'required':
      return pair('FACT_REQUIRED', errorPointer(e), errorMember(e) ?? '');
    case 'additionalProperties':
      return make('FACT_UNKNOWN', errorPointer(e), { key: errorMember(e) ?? '' });
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'maxLength':
    case 'pattern':
      return pair('FACT_RANGE', e.instancePath, key, expectedWords(prop, e.keyword as RangeKeyword));
    default:
      // type, enum, format and anything else: the answer is not of the kind the question asks for.
      return pair('FACT_TYPE', e.instancePath, key, expectedWords(prop));
  }
}
