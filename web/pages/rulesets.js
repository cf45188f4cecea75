// Choose a rule set: title, source document, version in force, effective dates.

import { api } from '../api.js';
import { h, clear } from '../dom.js';
import { can } from '../session.js';
import { rulesetList, effectiveText, sourceText } from '../rulesets.js';

export async function rulesetsPage(main, { isCurrent }) {
  const list = rulesetList(await api.rulesets());
  if (!isCurrent()) return;
  clear(main);
  main.appendChild(h('h1', {}, '选择规则集'));
  main.appendChild(
    h('p', { class: 'lead' }, can('evaluate') ? '请选择要审核的事项。每个规则集按来源文件逐条编码，并注明现行版本和施行日期。' : '您的角色可以查看规则集，但不能作出决定。'),
  );
  if (list.length === 0) {
    main.appendChild(h('p', { class: 'empty' }, '目前没有可用的规则集。'));
    return;
  }
  main.appendChild(
    h(
      'ul',
      { class: 'ruleset-list' },
      list.map((rs) =>
        h(
          'li',
          { class: 'ruleset-card', dataset: { ruleset: rs.id } },
          h('h2', {}, h('a', { href: `#/rulesets/${encodeURIComponent(rs.id)}` }, rs.title)),
          h(
            'dl',
            {},
            h('dt', {}, '来源文件'),
            h('dd', {}, sourceText(rs.source) || '—'),
            h('dt', {}, '现行版本'),
            h('dd', {}, rs.version ? `v${rs.version}` : '—'),
            h('dt', {}, '施行日期'),
            h('dd', {}, effectiveText(rs)),
          ),
          rs.description ? h('p', { class: 'description' }, rs.description) : null,
        ),
      ),
    ),
  );
}
