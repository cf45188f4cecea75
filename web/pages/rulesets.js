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
  // Chinese order (by pinyin), and a search over title, source and description as typed.
  const collator = new Intl.Collator('zh-CN-u-co-pinyin');
  list.sort((a, b) => collator.compare(a.title ?? '', b.title ?? ''));
  const search = h('input', { id: 'rs-search', type: 'search', autocomplete: 'off', 'aria-describedby': 'rs-search-count' });
  const count = h('p', { class: 'help', id: 'rs-search-count', 'aria-live': 'polite' }, `共 ${list.length} 个规则集`);
  main.appendChild(h('div', { class: 'field ruleset-search' }, h('label', { for: 'rs-search' }, '查找事项'), search, count));
  const ul = h(
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
    );
  main.appendChild(ul);
  const empty = h('p', { class: 'empty', hidden: true }, '没有符合的规则集。');
  main.appendChild(empty);
  search.addEventListener('input', () => {
    const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const li of ul.children) {
      const hit = words.every((w) => li.textContent.toLowerCase().includes(w));
      li.hidden = !hit;
      if (hit) shown += 1;
    }
    empty.hidden = shown > 0;
    count.textContent = words.length ? `找到 ${shown} 个规则集` : `共 ${list.length} 个规则集`;
  });
}
