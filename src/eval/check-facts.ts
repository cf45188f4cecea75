import type { ErrorObject } from 'ajv';
import { ZhiduError, type FactViolation } from '../errors/finding.js';
import { formatMessage, type ErrorCode, type MessageParams } from '../errors/catalogue.js';
import { FORBIDDEN_KEYS } from '../text/yaml-source.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import { describe } from '../load/schema-findings.js';

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
    const list = (validate.errors ?? []).map((e) => violation(e, facts as Record<string, unknown>, rs));
    const first = list[0];
    throw new ZhiduError(
      'FACTS_INVALID',
      { detail: list.map((v) => v.message).join('；') },
      { pointer: first?.pointer ?? '', violations: list },
    );
  }
  return facts as Record<string, unknown>;
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

function make(code: ErrorCode, pointer: string, params: MessageParams): FactViolation {
  return { code, pointer, message: formatMessage(code, params, 'zh'), message_en: formatMessage(code, params, 'en') };
}

function violation(e: ErrorObject, facts: Record<string, unknown>, rs: PreparedRuleSet): FactViolation {
  const key = e.instancePath.split('/')[1] ?? '';
  const title = (name: string) => {
    const t = rs.facts.get(name)?.title;
    return t ? `${name}（${t}）` : name;
  };
  switch (e.keyword) {
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      return make('FACT_REQUIRED', `/${missing}`, { key: title(missing) });
    }
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      return make('FACT_UNKNOWN', `/${extra}`, { key: extra });
    }
    case 'type':
      return make('FACT_TYPE', e.instancePath, { key: title(key), expected: String((e.params as { type: string }).type), found: describe(facts[key]) });
    case 'enum': {
      const info = rs.facts.get(key);
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map((v) => {
        const label = info?.enumTitles?.[String(v)];
        return label ? `${JSON.stringify(v)}（${label}）` : JSON.stringify(v);
      });
      return make('FACT_TYPE', e.instancePath, { key: title(key), expected: `${allowed.join('、')} 之一`, found: JSON.stringify(facts[key]) });
    }
    case 'format':
      return make('FACT_TYPE', e.instancePath, {
        key: title(key),
        expected: (e.params as { format: string }).format === 'date' ? '日期 YYYY-MM-DD' : '十进制数字字符串',
        found: JSON.stringify(facts[key]),
      });
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const p = e.params as { comparison: string; limit: number };
      return make('FACT_TYPE', e.instancePath, { key: title(key), expected: `${p.comparison} ${p.limit}`, found: JSON.stringify(facts[key]) });
    }
    default:
      return make('FACT_TYPE', e.instancePath, { key: title(key), expected: `${e.keyword} ${e.message ?? ''}`, found: JSON.stringify(facts[key]) });
  }
}
