// The explanation of one decision: outcome in one line, then why (reasons with their
// citations), why not (each failed pathway: the failing condition, the applicant's value
// and what the rule requires), what is still missing, what would change the outcome, and
// the text's ambiguities.

import { h } from './dom.js';
import { citationButton } from './source-viewer.js';
import { factCatalogue, displayFact, displayOutput, outcomeTone } from './facts-display.js';

let seq = 0;

export function outcomeLine(decision) {
  const o = decision.outcome;
  if (decision.status === 'undetermined') return `${o?.title ?? '结论'}：待定，尚缺事实`;
  return `${o?.title ?? '结论'}：${displayOutput(o)}`;
}

/** Outputs beside the headline that carry a value (amounts, shares, pathways). */
export function otherOutputs(decision) {
  return Object.values(decision.outputs || {}).filter(
    (o) => o.id !== decision.outcome?.id && (o.status === 'set' || o.status === 'default' || o.status === 'unknown'),
  );
}

export function renderDecision(decision, { id, ruleset, headingLevel = 2 } = {}) {
  const n = ++seq;
  const H = `h${headingLevel}`;
  const H2 = `h${headingLevel + 1}`;
  const cat = factCatalogue(ruleset, decision);
  const tone = outcomeTone(decision);
  const out = h('div', { class: 'decision', dataset: { status: decision.status } });

  // Outcome in one line.
  const outputs = otherOutputs(decision);
  out.appendChild(
    h(
      'section',
      { class: `outcome-box tone-${tone}`, 'aria-labelledby': `oc-${n}` },
      h(H, { id: `oc-${n}`, class: 'visually-hidden' }, '结论'),
      h('p', { class: 'outcome-line', dataset: { testid: 'outcome' } }, outcomeLine(decision)),
      outputs.length
        ? h(
            'dl',
            { class: 'outputs' },
            outputs.map((o) => [h('dt', {}, o.title), h('dd', { dataset: { output: o.id } }, displayOutput(o))]),
          )
        : null,
      h(
        'p',
        { class: 'meta' },
        id ? [h('span', {}, '决定编号 ', h('code', { class: 'decision-id' }, id)), '　'] : null,
        `规则集：${decision.ruleset.title}（版本 ${decision.ruleset.version}）　决定日期：${decision.as_of}`,
      ),
    ),
  );

  // Still to ask, in the order that settles the case fastest.
  if (decision.missing?.length) {
    out.appendChild(
      h(
        'section',
        { class: 'missing', 'aria-labelledby': `ms-${n}` },
        h(H2, { id: `ms-${n}` }, '还需询问的事实'),
        h('p', {}, decision.status === 'undetermined' ? '以下事实决定结论，按询问顺序排列：' : '以下事实影响其他结果（如金额），按询问顺序排列：'),
        h('ol', {}, decision.missing.map((m) => h('li', { dataset: { fact: m.fact } }, m.title || cat.get(m.fact)?.title || m.fact))),
      ),
    );
  }

  // Why.
  const why = (decision.reasons || []).filter((r) => r.holds);
  out.appendChild(
    h(
      'section',
      { class: 'why', 'aria-labelledby': `why-${n}` },
      h(H2, { id: `why-${n}` }, '理由'),
      why.length
        ? h('ol', { class: 'reasons' }, why.map((r) => h('li', { dataset: { rule: r.rule } }, h('span', { class: 'reason-text' }, r.text), ' ', citationButton(r.citation))))
        : h(
            'p',
            { class: 'empty' },
            decision.status === 'undetermined'
              ? '尚无成立的规则。'
              : `没有一条途径的条件全部满足（见“未满足的条件”），故结论为：${displayOutput(decision.outcome)}。`,
          ),
    ),
  );

  // Still to check (尚待核实): per pathway that may yet hold or fail, the conditions still
  // unknown and the facts to ask — from the decision's grounds, so nothing is guessed here.
  const pendingGrounds = (decision.grounds || []).filter((g) => g.pathway && g.pending?.length);
  if (pendingGrounds.length) {
    out.appendChild(
      h(
        'section',
        { class: 'pending-grounds', 'aria-labelledby': `pg-${n}`, dataset: { testid: 'pending-grounds' } },
        h(H2, { id: `pg-${n}` }, '尚待核实'),
        pendingGrounds.map((g) =>
          h(
            'article',
            { class: 'pending-ground', dataset: { rule: g.rule } },
            h(`h${headingLevel + 2}`, {}, g.title, ' ', citationButton(g.citation)),
            g.unmet?.length ? h('p', { class: 'unmet' }, `不符合：${g.unmet.map((c) => c.text).join('；')}`) : null,
            h('ul', {}, g.pending.map((c) => h('li', { dataset: { fact: c.fact } }, c.text))),
            g.ask?.length ? h('p', { class: 'ask' }, `需询问：${g.ask.map((a) => a.title).join('、')}`) : null,
          ),
        ),
      ),
    );
  }

  // Why not: the pathways that could have decided the headline, each failing condition
  // with the applicant's value and what the rule requires; then the other rules that did
  // not hold; rules that failed on the case frame (e.g. a different matter) are counted only.
  const { pathways, others, inapplicable } = readFailed(decision, ruleset);
  const notReasons = new Map((decision.reasons || []).filter((r) => !r.holds).map((r) => [r.rule, r]));
  const failedArticle = (f) => {
    const r = notReasons.get(f.rule);
    const failing = (f.conditions || []).filter((c) => c.result === 'false');
    const shown = failing.length ? failing : f.conditions || [];
    return h(
      'article',
      { class: 'failed', dataset: { rule: f.rule } },
      h(`h${headingLevel + 2}`, { class: 'failed-title' }, f.title, ' ', citationButton(f.citation)),
      r ? h('p', { class: 'reason-not' }, r.text) : null,
      shown.length
        ? h(
            'table',
            { class: 'conditions' },
            h('caption', { class: 'visually-hidden' }, `${f.title}：未满足的条件`),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '条件'), h('th', { scope: 'col' }, '申请人情况'), h('th', { scope: 'col' }, '规则要求'))),
            h(
              'tbody',
              {},
              shown.map((c) =>
                h(
                  'tr',
                  { dataset: { fact: c.fact } },
                  h('th', { scope: 'row' }, c.title || cat.get(c.fact)?.title || c.fact),
                  h('td', { class: 'actual' }, c.actual_display || displayFact(cat.get(c.fact), c.actual)),
                  h('td', { class: 'requires' }, c.text),
                ),
              ),
            ),
          )
        : null,
    );
  };
  if (pathways.length || others.length || inapplicable.length) {
    out.appendChild(
      h(
        'section',
        { class: 'why-not', 'aria-labelledby': `wn-${n}` },
        h(H2, { id: `wn-${n}` }, '未满足的条件'),
        pathways.length ? pathways.map(failedArticle) : h('p', { class: 'empty' }, '没有未满足的途径。'),
        others.length
          ? h('details', { class: 'other-failed' }, h('summary', {}, `未成立的其他规则（${others.length}）`), others.map(failedArticle))
          : null,
        inapplicable.length
          ? h(
              'details',
              { class: 'inapplicable' },
              h('summary', {}, `另有 ${inapplicable.length} 条规则因${frameTitles(inapplicable, ruleset, cat)}不同而不适用`),
              h('ul', {}, inapplicable.map((f) => h('li', {}, f.title, ' ', citationButton(f.citation)))),
            )
          : null,
      ),
    );
  }

  // What would change the outcome: per pathway, the smallest change of facts (verified by
  // the engine), or an honest "cannot" when only unchangeable facts stand in the way.
  const whatIf = decision.counterfactuals || [];
  if (whatIf.length) {
    const reachable = whatIf.filter((c) => c.reachable);
    const unreachable = whatIf.filter((c) => !c.reachable);
    out.appendChild(
      h(
        'section',
        { class: 'counterfactuals', 'aria-labelledby': `cf-${n}`, dataset: { testid: 'counterfactuals' } },
        h(H2, { id: `cf-${n}` }, '怎样可以改变结论'),
        reachable.length
          ? h(
              'ul',
              { class: 'what-if' },
              reachable.map((c) =>
                h(
                  'li',
                  { dataset: { rule: c.rule } },
                  h('p', { class: 'what-if-text' }, c.text),
                  h(
                    'table',
                    { class: 'cf-changes' },
                    h('caption', { class: 'visually-hidden' }, `${c.title}：需要的改变`),
                    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '事实'), h('th', { scope: 'col' }, '现在'), h('th', { scope: 'col' }, '需要'))),
                    h(
                      'tbody',
                      {},
                      c.changes.map((x) =>
                        h(
                          'tr',
                          { dataset: { fact: x.fact } },
                          h('th', { scope: 'row' }, x.title),
                          h('td', {}, x.from === null ? '尚未核实' : displayFact(cat.get(x.fact), x.from)),
                          h('td', {}, changeWords(x, cat.get(x.fact))),
                        ),
                      ),
                    ),
                  ),
                ),
              ),
            )
          : h('p', { class: 'empty' }, '无法通过改变可变事实达到：'),
        unreachable.length ? h('ul', { class: 'unreachable' }, unreachable.map((c) => h('li', { dataset: { rule: c.rule } }, c.text))) : null,
      ),
    );
  }

  // Ambiguities in the text and how they were resolved.
  if (decision.ambiguities?.length) {
    out.appendChild(
      h(
        'details',
        { class: 'ambiguities' },
        h('summary', {}, `文本歧义及处理（${decision.ambiguities.length}）`),
        h(
          'ul',
          {},
          decision.ambiguities.map((a) => h('li', {}, h('span', {}, a.issue), ' ', h('span', { class: 'resolution' }, `处理：${a.resolution}`), ' ', citationButton(a.citation))),
        ),
      ),
    );
  }

  out.appendChild(factsTable(decision, cat, H2, n));
  return out;
}

export function factsRows(decision, cat) {
  const rows = [];
  for (const [k, v] of Object.entries(decision.facts?.inputs || {})) rows.push({ name: k, title: cat.get(k)?.title || k, value: displayFact(cat.get(k), v), derived: false });
  for (const [k, v] of Object.entries(decision.facts?.derived || {})) {
    if (v === null || v === undefined) continue;
    rows.push({ name: k, title: cat.get(k)?.title || k, value: displayFact(cat.get(k), v), derived: true });
  }
  return rows;
}

function factsTable(decision, cat, H2, n) {
  const rows = factsRows(decision, cat);
  return h(
    'details',
    { class: 'facts' },
    h('summary', { id: `facts-${n}` }, `所依据的事实（${rows.length}）`),
    h(
      'table',
      { 'aria-labelledby': `facts-${n}` },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '事实'), h('th', { scope: 'col' }, '取值'))),
      h('tbody', {}, rows.map((r) => h('tr', {}, h('th', { scope: 'row' }, r.title, r.derived ? h('span', { class: 'derived' }, '（推算）') : null), h('td', {}, r.value)))),
    ),
  );
}

/**
 * Sort the rules that did not hold the way the CLI reads them (src/decision/format-text.ts):
 * failed on a required input (the case frame) = not applicable to this case; otherwise a
 * pathway when it sets the headline output, else another rule (authority, deadlines).
 */
export function caseFrame(ruleset) {
  const props = ruleset?.inputs?.properties || {};
  return new Set([...(ruleset?.inputs?.required || []), ...Object.keys(props).filter((k) => props[k]['x-selector'] === true)]);
}

export function readFailed(decision, ruleset) {
  const frame = caseFrame(ruleset);
  // The page asks for explain=summary, which has no per-rule trace: what a rule sets is in its definition.
  const traces = decision.rules || (ruleset?.rules || ruleset?.definition?.rules || []).map((r) => ({ id: r.id, sets: Object.keys(r.then || {}) }));
  const setsHeadline = new Set(traces.filter((r) => (r.sets || []).includes(decision.outcome?.id)).map((r) => r.id));
  const inapplicable = [];
  const pathways = [];
  const others = [];
  for (const f of decision.failed || []) {
    if ((f.conditions || []).some((c) => c.result === 'false' && frame.has(c.fact))) inapplicable.push(f);
    else if (setsHeadline.has(f.rule)) pathways.push(f);
    else others.push(f);
  }
  return { pathways, others, inapplicable };
}

function frameTitles(list, ruleset, cat) {
  const frame = caseFrame(ruleset);
  const titles = new Set();
  for (const f of list) for (const c of f.conditions || []) if (frame.has(c.fact)) titles.add(c.title || cat.get(c.fact)?.title || c.fact);
  return [...titles].join('、');
}

const RELATION_WORDS = { at_least: '达到', more_than: '超过', at_most: '不超过', less_than: '低于' };
const DATE_WORDS = { at_least: '不早于', more_than: '晚于', at_most: '不晚于', less_than: '早于' };

/** "达到 2 年" / "购买的住房或…" / "是": what a fact must become, in words. */
export function changeWords(change, fact) {
  if (change.relation === 'one_of') return (change.values || []).map((v) => displayFact(fact, v)).join('、');
  if (change.relation === 'equal') return displayFact(fact, change.to);
  const words = (fact?.format === 'date' || fact?.type === 'date' ? DATE_WORDS : RELATION_WORDS)[change.relation] || '';
  return `${words} ${displayFact(fact, change.to)}`;
}
