import type { RuleSet, InputProperty } from '../generated/rule-set.js';
import type { FactKind } from '../eval/operators.js';

/** What the loader knows about each fact a rule may read: inputs, derived facts and the decision date. */
export interface FactInfo {
  readonly id: string;
  readonly title: string;
  readonly kind: FactKind;
  readonly origin: 'input' | 'derived' | 'context';
  readonly enum?: readonly unknown[];
  readonly enumTitles?: Readonly<Record<string, string>>;
  readonly unit?: string;
  /** x-display-decimals: shown with at most this many decimals. */
  readonly displayDecimals?: number;
  /** Selects the matter decided: rules failing only on selectors did not apply. */
  readonly selector?: boolean;
}

/** `as_of` is always known: the date the decision is made for. */
export const AS_OF_FACT: FactInfo = { id: 'as_of', title: '决定日期', kind: 'date', origin: 'context' };

export function inputKind(p: InputProperty): FactKind {
  if (p.type === 'number' || p.type === 'integer') return 'number';
  if (p.type === 'boolean') return 'boolean';
  if (p.format === 'date') return 'date';
  if (p.format === 'decimal') return 'number';
  return 'string';
}

export function valueTypeKind(t: string): FactKind {
  switch (t) {
    case 'decimal':
    case 'integer':
      return 'number';
    case 'date':
      return 'date';
    case 'boolean':
      return 'boolean';
    case 'list':
      return 'list';
    default:
      return 'string';
  }
}

export function buildFactCatalogue(rs: RuleSet): Map<string, FactInfo> {
  const facts = new Map<string, FactInfo>([[AS_OF_FACT.id, AS_OF_FACT]]);
  for (const [id, p] of Object.entries(rs.inputs.properties)) {
    facts.set(id, {
      id,
      title: p.title,
      kind: inputKind(p),
      origin: 'input',
      ...(p.enum ? { enum: p.enum } : {}),
      ...(p['x-enum-titles'] ? { enumTitles: p['x-enum-titles'] } : {}),
      ...(p['x-unit'] ? { unit: p['x-unit'] } : {}),
      ...(p['x-display-decimals'] !== undefined ? { displayDecimals: p['x-display-decimals'] } : {}),
      ...(p['x-selector'] ? { selector: true } : {}),
    });
  }
  for (const d of rs.derived ?? []) {
    if (facts.has(d.id)) continue; // reported as a duplicate by the checker
    facts.set(d.id, { id: d.id, title: d.title, kind: valueTypeKind(d.type), origin: 'derived', ...(d['x-unit'] ? { unit: d['x-unit'] } : {}), ...(d['x-display-decimals'] !== undefined ? { displayDecimals: d['x-display-decimals'] } : {}) });
  }
  return facts;
}
