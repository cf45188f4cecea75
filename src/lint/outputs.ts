import type { Finding } from '../errors/finding.js';
import { canonicalJson } from '../load/canonical-json.js';
import { lintFinding, type LintContext } from './lint-context.js';

/**
 * Outputs no rule sets and that have no default (they can only ever be
 * "unset"), and titled values (x-value-titles) that neither a rule nor the
 * default can produce — usually a pathway the encoder forgot.
 */
export function checkOutputs(ctx: LintContext): Finding[] {
  const rs = ctx.definition;
  const out: Finding[] = [];
  for (const [id, def] of Object.entries(rs.outputs)) {
    const setters = rs.rules.filter((r) => id in r.then);
    const pointer = `/outputs/${id}`;
    if (setters.length === 0 && def.default === undefined) {
      out.push(
        lintFinding(
          ctx,
          'LINT_OUTPUT_NEVER_SET',
          pointer,
          { zh: `输出 ${id}（${def.title}）没有任何规则设置，也没有默认值${id === rs.outcome ? '；它是决定的标题结论，决定将永远待定' : ''}`, en: `output ${id} is set by no rule and has no default${id === rs.outcome ? '; it is the headline, so every decision stays undetermined' : ''}` },
          id === rs.outcome ? 'error' : 'warning',
        ),
      );
      continue;
    }
    const titles = def['x-value-titles'];
    if (!titles || def.collect) continue;
    // A formula can produce any value; only literal assignments are counted.
    if (setters.some((r) => { const v = r.then[id]; return v !== null && typeof v === 'object'; })) continue;
    const produced = new Set(setters.map((r) => String(r.then[id])));
    if (def.default !== undefined && def.default !== null) produced.add(typeof def.default === 'object' ? canonicalJson(def.default) : String(def.default));
    for (const [value, title] of Object.entries(titles)) {
      if (produced.has(value)) continue;
      out.push(
        lintFinding(
          ctx,
          'LINT_VALUE_NEVER_PRODUCED',
          `${pointer}/x-value-titles/${value}`,
          { zh: `输出 ${id}（${def.title}）的取值 ${value}（${title}）没有任何规则给出，也不是默认值`, en: `value ${value} of output ${id} is produced by no rule and is not the default` },
          'warning',
        ),
      );
    }
  }
  return out;
}
