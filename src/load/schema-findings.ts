import type { ErrorObject } from 'ajv';
import { finding, type Finding } from '../errors/finding.js';
import type { YamlSource } from '../text/yaml-source.js';
import { errorMember, errorPointer } from '../schema/ajv-error.js';
import { didYouMean } from './did-you-mean.js';

/**
 * Turn ajv's errors into findings a policy editor can act on: located at
 * file:line:column, naming the key, what was expected and what was found.
 * if/then/else in our schemas keeps ajv to the branch that applies, so the
 * only noise to drop is the `if` marker itself.
 */
export function schemaFindings(errors: readonly ErrorObject[], source: YamlSource): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    const pointer = e.instancePath;
    const lastKey = lastSegment(pointer);
    const actual = valueAt(source.value, pointer);
    let f: Finding;
    switch (e.keyword) {
      case 'required': {
        const key = errorMember(e) ?? '';
        f = finding('SCHEMA_REQUIRED', source.locate(pointer, true), { key: pointer ? `${pointer.slice(1)}/${key}` : key });
        break;
      }
      case 'additionalProperties':
        f = finding('SCHEMA_UNKNOWN_KEY', source.locate(errorPointer(e), true), { key: errorMember(e) ?? '' });
        break;
      case 'type':
        f = finding('SCHEMA_TYPE', source.locate(pointer), {
          key: lastKey,
          expected: typeWord((e.params as { type: string | string[] }).type),
          found: `${describe(actual)}`,
        });
        break;
      case 'enum': {
        const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
        f = withSuggestion(
          finding('SCHEMA_ENUM', source.locate(pointer), {
            key: lastKey,
            expected: allowed.map((v) => JSON.stringify(v)).join(', '),
            found: JSON.stringify(actual),
          }),
          didYouMean(actual, allowed),
        );
        break;
      }
      case 'const':
        f = finding('SCHEMA_ENUM', source.locate(pointer), {
          key: lastKey,
          expected: JSON.stringify((e.params as { allowedValue: unknown }).allowedValue),
          found: JSON.stringify(actual),
        });
        break;
      case 'pattern':
      case 'format':
        f = finding('SCHEMA_PATTERN', source.locate(pointer), {
          key: lastKey,
          expected: String((e.params as { pattern?: string; format?: string }).pattern ?? (e.params as { format?: string }).format),
          found: JSON.stringify(actual),
        });
        break;
      default:
        f = finding('SCHEMA_VIOLATION', source.locate(pointer), { key: lastKey || '(根)', detail: `${e.keyword}: ${e.message ?? ''}` });
    }
    const dedupe = `${f.line}:${f.column}:${f.code}:${f.message}`;
    if (!seen.has(dedupe)) {
      seen.add(dedupe);
      out.push(f);
    }
  }
  return out;
}

/** The nearest allowed value, said after the finding: the editor's next keystroke. */
function withSuggestion(f: Finding, suggestion: string | undefined): Finding {
  if (!suggestion) return f;
  return { ...f, suggestion, message: `${f.message}；是否要写 ${suggestion}？`, message_en: `${f.message_en}; did you mean ${suggestion}?` };
}

function lastSegment(pointer: string): string {
  const parts = pointer.split('/');
  return (parts[parts.length - 1] ?? '').replace(/~1/g, '/').replace(/~0/g, '~');
}

export function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let cur: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

const TYPE_ZH: Record<string, string> = {
  string: '字符串 (string)',
  number: '数字 (number)',
  integer: '整数 (integer)',
  boolean: '布尔值 (boolean)',
  object: '映射 (object)',
  array: '列表 (array)',
  null: '空值 (null)',
};

function typeWord(t: string | string[]): string {
  return (Array.isArray(t) ? t : String(t).split(',')).map((x) => TYPE_ZH[x] ?? x).join(' 或 ');
}

export function describe(value: unknown): string {
  if (value === null) return '空值 (null)';
  if (Array.isArray(value)) return '列表 (array)';
  if (typeof value === 'object') return '映射 (object)';
  if (typeof value === 'number') return `${Number.isInteger(value) ? '整数' : '数字'} ${value}`;
  if (typeof value === 'string') return `字符串 ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}
