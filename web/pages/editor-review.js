// The review (four eyes) on the editor page: the versions submitted for review with every step
// (提交审核、批准、退回、发布、撤回 — who, when, the comment), and the actions the signed-in person
// may take: another editor or an admin approves or rejects with a comment, the submitter
// withdraws, an approved version is published. The API enforces all of it; the page only
// avoids offering what would be refused.

import { h, clear, announce } from '../dom.js';
import { session } from '../session.js';
import { editorApi } from '../editor-api.js';

const ROLE_ZH = { editor: '政策编辑', admin: '管理员', caseworker: '经办人', system: '对接系统' };
const STATE_CLASS = { submitted: 'state-pending', approved: 'state-ok', published: 'state-ok', rejected: 'state-fail', withdrawn: 'state-muted' };

function when(iso) {
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/**
 * The 审核 section. `onLoadDraft(review)` puts a submitted draft into the editors; `onPublished(r)`
 * refreshes the versions table. Returns { element, refresh, fourEyes }.
 */
export function reviewSection(id, { onLoadDraft, onPublished }) {
  const element = h('section', { class: 'reviews', 'aria-labelledby': 'reviews-title' }, h('h2', { id: 'reviews-title' }, '审核'));
  const state = { fourEyes: true, reviews: [] };

  async function refresh() {
    let data;
    try {
      data = await editorApi.reviews(id);
    } catch (e) {
      clear(element);
      element.append(h('h2', { id: 'reviews-title' }, '审核'), h('p', { class: 'error', role: 'alert' }, e.messageZh));
      return state;
    }
    state.fourEyes = data.four_eyes;
    state.reviews = data.reviews;
    render();
    return state;
  }

  function render() {
    clear(element);
    element.appendChild(h('h2', { id: 'reviews-title' }, '审核'));
    element.appendChild(
      h(
        'p',
        { class: 'hint' },
        state.fourEyes
          ? '四眼原则：草稿提交审核后，须由另一位政策编辑或管理员批准（并填写意见），方可发布。每一步都留有记录，不可更改。'
          : '本单位未启用四眼原则：提交人可自行批准，也可直接发布。每一步仍留有记录。',
      ),
    );
    if (state.reviews.length === 0) {
      element.appendChild(h('p', { class: 'empty' }, '尚无提交审核的版本。'));
      return;
    }
    element.appendChild(h('ul', { class: 'review-list' }, state.reviews.map(card)));
  }

  function card(r) {
    const me = session()?.name;
    const admin = session()?.role === 'admin';
    const mine = r.submitted_by === me;
    const comment = h('textarea', { class: 'review-comment', rows: 2, 'aria-label': `v${r.version} 的审核意见`, placeholder: '审核意见（批准或退回时必填）' });
    const message = h('p', { class: 'review-message', 'aria-live': 'polite' });
    const act = (label, run, cls = 'button') => h('button', { type: 'button', class: cls, dataset: { action: label } }, label);
    const buttons = [];
    if (r.state !== 'published' && r.submitted_by) buttons.push(withClick(act('载入此稿'), async () => onLoadDraft(await editorApi.review(id, r.version))));
    const canReview = r.state === 'submitted' && (!mine || !state.fourEyes);
    if (canReview) {
      buttons.push(withClick(act('批准', null, 'button primary'), () => step('approve', '已批准')));
      buttons.push(withClick(act('退回'), () => step('reject', '已退回')));
    }
    if ((r.state === 'submitted' || r.state === 'approved') && (mine || admin)) buttons.push(withClick(act('撤回'), () => step('withdraw', '已撤回')));
    if (r.state === 'approved' || (r.state === 'submitted' && !state.fourEyes)) buttons.push(withClick(act('发布', null, 'button primary'), publish));

    async function step(action, done) {
      message.textContent = '';
      message.className = 'review-message';
      try {
        await editorApi.reviewStep(id, r.version, action, comment.value.trim());
        announce(`v${r.version} ${done}`);
        await refresh();
      } catch (e) {
        message.textContent = e.messageZh;
        message.className = 'review-message error';
        message.setAttribute('role', 'alert');
      }
    }

    async function publish() {
      message.textContent = '正在发布…';
      try {
        const res = await editorApi.publishReviewed(id, r.version);
        announce(`已发布 v${r.version}`);
        await refresh();
        onPublished(res);
      } catch (e) {
        message.textContent = `未发布：${e.messageZh}`;
        message.className = 'review-message error';
        message.setAttribute('role', 'alert');
      }
    }

    return h(
      'li',
      { class: `review-card ${STATE_CLASS[r.state] ?? ''}`, dataset: { version: r.version, state: r.state } },
      h('h3', {}, `v${r.version}`, h('span', { class: 'review-state' }, r.state_zh), r.submitted_by ? h('span', { class: 'review-by' }, `提交人 ${r.submitted_by}`) : null),
      h(
        'ol',
        { class: 'review-steps' },
        r.events.map((e) =>
          h(
            'li',
            { dataset: { kind: e.kind } },
            h('time', { datetime: e.at }, when(e.at)),
            ' ',
            h('strong', {}, e.kind_zh),
            `　${e.actor}（${ROLE_ZH[e.actor_role] ?? '—'}）`,
            e.comment ? h('q', { class: 'review-step-comment' }, e.comment) : null,
          ),
        ),
      ),
      canReview || buttons.some((b) => b.dataset.action === '撤回') ? comment : null,
      buttons.length ? h('div', { class: 'review-actions' }, buttons) : null,
      message,
    );
  }

  return { element, refresh, state };
}

function withClick(button, fn) {
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await fn();
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
