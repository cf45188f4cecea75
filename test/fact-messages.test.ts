import { describe, it, expect } from 'vitest';
import { loadRulePaths } from '../src/load/registry.js';
import { checkFacts } from '../src/eval/check-facts.js';
import { ZhiduError, type FactViolation } from '../src/errors/finding.js';
import { checkAnswer } from '../web/fact-check.js';
import type { PreparedRuleSet } from '../src/load/prepared-rule-set.js';

// What a caseworker reads when an answer is wrong, on every input of every bundled
// rule set: Chinese with the fact's title (never its id, a JSON type name or a
// comparison sign), and the same sentence whether the browser or the server caught it.
const { registry } = loadRulePaths(['rules'], 'rules/sources');
const sets: PreparedRuleSet[] = registry.ids().map((id) => registry.versions(id).at(-1) as PreparedRuleSet);

type Prop = Record<string, unknown> & { type?: string; format?: string; enum?: unknown[] };

/** Wrong answers for one question, as the browser holds them (text) and as JSON the API receives. */
function wrongAnswers(prop: Prop): Array<{ raw: string; json: unknown; what: string }> {
  const out: Array<{ raw: string; json: unknown; what: string }> = [];
  if (Array.isArray(prop.enum)) out.push({ raw: '不在选项中', json: '不在选项中', what: 'not a choice' });
  else if (prop.type === 'integer') out.push({ raw: '1.5', json: 1.5, what: 'not an integer' });
  else if (prop.type === 'number') out.push({ raw: '两', json: '两', what: 'not a number' });
  else if (prop.type === 'boolean') out.push({ raw: '也许', json: '也许', what: 'not yes/no' });
  else if (prop.format === 'date') out.push({ raw: '2025-02-30', json: '2025-02-30', what: 'not a date' });
  else if (prop.format === 'decimal') out.push({ raw: '1,2', json: '1,2', what: 'not a decimal' });
  if (typeof prop.minimum === 'number' && (prop.type === 'integer' || prop.type === 'number')) out.push({ raw: String(prop.minimum - 1), json: prop.minimum - 1, what: 'below minimum' });
  if (typeof prop.maximum === 'number' && (prop.type === 'integer' || prop.type === 'number')) out.push({ raw: String(prop.maximum + 1), json: prop.maximum + 1, what: 'above maximum' });
  return out;
}

function serverViolation(rs: PreparedRuleSet, name: string, value: unknown): FactViolation | undefined {
  try {
    checkFacts(rs, { [name]: value });
  } catch (err) {
    if (err instanceof ZhiduError) return err.violations?.find((v) => v.pointer === `/${name}`);
    throw err;
  }
  return undefined;
}

const cases = sets.flatMap((rs) =>
  Object.entries(rs.definition.inputs.properties as unknown as Record<string, Prop>).flatMap(([name, prop]) => wrongAnswers(prop).map((w) => ({ rs, name, prop, ...w }))),
);

describe('fact messages at the service window', () => {
  it('cover every rule set', () => {
    expect(new Set(cases.map((c) => c.rs.id)).size).toBe(sets.length);
    expect(cases.length).toBeGreaterThan(50);
  });

  it.each(cases.map((c) => [`${c.rs.id} ${c.name}: ${c.what}`, c] as const))('%s', (_label, c) => {
    const title = (c.prop.title as string | undefined) ?? c.name;
    const server = serverViolation(c.rs, c.name, c.json);
    expect(server, 'the server refuses it').toBeDefined();
    const browser = checkAnswer(c.name, c.prop, c.raw, false) as { error?: string };
    expect(browser.error, 'the browser refuses it').toBeDefined();
    // One sentence, wherever it was caught.
    expect(browser.error).toBe(server?.message);
    expect(server?.message).toContain(`“${title}”`);
    // No id, JSON type or comparison sign: words a clerk reads aloud.
    expect(server?.message).not.toContain(c.name.includes('_') ? c.name : '\u0000');
    expect(server?.message).not.toMatch(/\b(integer|number|string|boolean|null)\b|>=|<=|事实 “/);
    // Integrators keep the id and JSON in English.
    expect(server?.message_en).toContain(`"${c.name}"`);
  });

  it('asks for a missing required fact by its title', () => {
    const rs = sets.find((s) => (s.definition.inputs.required ?? []).length > 0) as PreparedRuleSet;
    const name = (rs.definition.inputs.required as string[])[0] as string;
    const prop = (rs.definition.inputs.properties as unknown as Record<string, Prop>)[name] as Prop;
    const v = serverViolation(rs, name, undefined) ?? (() => {
      try {
        checkFacts(rs, {});
      } catch (err) {
        return (err as ZhiduError).violations?.find((x) => x.pointer === `/${name}`);
      }
      return undefined;
    })();
    expect(v?.message).toBe(`请填写“${prop.title as string}”`);
    expect((checkAnswer(name, prop, '', true) as { error: string }).error).toBe(v?.message);
  });

  it('gives an example for a whole number, with its unit', () => {
    const prop = { type: 'integer', title: '连任届数', minimum: 0, maximum: 20, 'x-unit': '届' };
    expect((checkAnswer('terms_reelected', prop, '1.5', false) as { error: string }).error).toBe('“连任届数”须为整数，如 2 届；现填 1.5');
    expect((checkAnswer('terms_reelected', prop, '-1', false) as { error: string }).error).toBe('“连任届数”须不小于 0 届；现填 -1');
  });
});
