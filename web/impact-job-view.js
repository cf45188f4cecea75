// An impact job on the editor page: started at once, its progress (records decided, rate, time
// left) followed until it ends, a cancel button while it runs, and past jobs reopened from the
// database. The page polls GET /v1/impact-jobs/{id}: EventSource cannot send the API key header.

import { request } from './api.js';
import { h, announce } from './dom.js';

const enc = encodeURIComponent;
const POLL_MS = 500;
const STATUS_ZH = { queued: '排队中', running: '运行中', done: '已完成', failed: '失败', cancelled: '已取消' };

export const impactJobsApi = {
  start: (body) => request('POST', '/v1/impact-jobs', body),
  get: (id) => request('GET', `/v1/impact-jobs/${enc(id)}`),
  list: (ruleset) => request('GET', `/v1/impact-jobs?ruleset=${enc(ruleset)}&limit=20`),
  cancel: (id) => request('POST', `/v1/impact-jobs/${enc(id)}/cancel`),
  report: (id) => request('GET', `/v1/impact-jobs/${enc(id)}/report`),
};

function seconds(s) {
  if (s === null || s === undefined) return '—';
  if (s < 60) return `${Math.max(1, Math.round(s))} 秒`;
  return `${Math.floor(s / 60)} 分 ${Math.round(s % 60)} 秒`;
}

/**
 * Follow a job in `el` until it ends; `showReport(report)` renders a finished one.
 * Resolves with the final job.
 */
export async function followJob(el, job, showReport, { isCurrent = () => true } = {}) {
  const bar = h('progress', { class: 'impact-progress', max: String(job.progress.total ?? 1), value: '0', 'aria-label': '影响分析进度' });
  const line = h('p', { class: 'impact-progress-text', role: 'status' }, '已提交，等待开始…');
  const cancel = h('button', { type: 'button', class: 'button', dataset: { action: 'cancel-impact' } }, '取消');
  const box = h('div', { class: 'impact-job', dataset: { job: job.id, status: job.status } }, bar, line, cancel);
  el.appendChild(box);
  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    line.textContent = '正在取消…';
    try {
      await impactJobsApi.cancel(job.id);
    } catch (e) {
      line.textContent = e.messageZh;
    }
  });
  let current = job;
  for (;;) {
    const p = current.progress;
    box.dataset.status = current.status;
    box.dataset.done = String(p.done);
    if (p.total) bar.max = String(p.total);
    bar.value = String(p.done);
    if (current.status === 'running' || current.status === 'queued') {
      line.textContent = current.status === 'queued' ? '排队中…' : `已决定 ${p.done.toLocaleString('zh-CN')}${p.total ? ` / ${p.total.toLocaleString('zh-CN')}` : ''} 人，${p.rate.toLocaleString('zh-CN')} 人/秒，剩余约 ${seconds(p.eta_seconds)}`;
    }
    if (!['queued', 'running'].includes(current.status)) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (!isCurrent()) return current;
    current = await impactJobsApi.get(job.id);
  }
  cancel.remove();
  if (current.status === 'done') {
    bar.remove();
    line.textContent = `已完成：${current.progress.done.toLocaleString('zh-CN')} 人，用时 ${seconds((Date.parse(current.finished_at) - Date.parse(current.started_at)) / 1000)}`;
    showReport(await impactJobsApi.report(job.id));
    announce('影响分析完成');
  } else if (current.status === 'cancelled') {
    line.textContent = `已取消：取消前已决定 ${current.progress.done.toLocaleString('zh-CN')} 人，没有报告。`;
    announce('影响分析已取消');
  } else {
    line.classList.add('error');
    line.setAttribute('role', 'alert');
    line.textContent = current.error ?? '影响分析失败';
  }
  return current;
}

/** Past jobs of a rule set, newest first; a finished one opens its kept report. */
export function pastJobs(jobs, open) {
  if (jobs.length === 0) return h('p', { class: 'empty' }, '尚无影响分析记录。');
  return h(
    'table',
    { class: 'impact-jobs' },
    h('thead', {}, h('tr', {}, ['开始时间', '比较', '人群', '状态', '结果改变', ''].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      jobs.map((j) =>
        h(
          'tr',
          { dataset: { job: j.id, status: j.status } },
          h('td', {}, new Date(j.created_at).toLocaleString('zh-CN', { hour12: false })),
          h('td', {}, `v${j.from_version} → v${j.to_version}${j.draft ? '（草稿）' : ''}`),
          h('td', {}, j.population),
          h('td', {}, STATUS_ZH[j.status] ?? j.status),
          h('td', {}, j.summary ? `${j.summary.changed.toLocaleString('zh-CN')} / ${j.summary.records.toLocaleString('zh-CN')}` : '—'),
          h('td', {}, j.status === 'done' ? h('button', { type: 'button', class: 'button', dataset: { action: 'open-report' }, onclick: () => open(j) }, '打开报告') : null),
        ),
      ),
    ),
  );
}

