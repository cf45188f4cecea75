// Entry point: hash routes, the header, and the signed-in guard.

import { api } from './api.js';
import { h, clear } from './dom.js';
import { useTemplates } from './fact-check.js';
import { go } from './navigate.js';
import { initSourceDialog } from './source-viewer.js';
import { session, resume, signOut, can, ROLE_TITLES } from './session.js';
import { signInPage } from './pages/sign-in.js';
import { rulesetsPage } from './pages/rulesets.js';
import { evaluatePage } from './pages/evaluate.js';
import { decisionPage } from './pages/decision.js';
import { historyPage } from './pages/history.js';
import { noticePage } from './pages/notice.js';
import { editorListPage, editorPage } from './pages/editor.js';
import { keysPage } from './pages/keys.js';
import { casePage } from './pages/case.js';
import { casesPage } from './pages/cases.js';
import { caseNoticePage } from './pages/case-notice.js';

const main = document.getElementById('main');

const routes = [
  { re: /^\/$/, page: rulesetsPage, nav: 'rulesets' },
  { re: /^\/rulesets\/([^/]+)$/, page: evaluatePage, nav: 'rulesets' },
  { re: /^\/decisions\/([^/]+)\/notice$/, page: noticePage, nav: 'history', bare: true },
  { re: /^\/decisions\/([^/]+)$/, page: decisionPage, nav: 'history' },
  { re: /^\/history$/, page: historyPage, nav: 'history' },
  { re: /^\/edit$/, page: editorListPage, nav: 'editor' },
  { re: /^\/edit\/([^/]+)$/, page: editorPage, nav: 'editor' },
  { re: /^\/keys$/, page: keysPage, nav: 'keys' },
  { re: /^\/cases$/, page: casesPage, nav: 'cases' },
  { re: /^\/cases\/([^/]+)\/notice$/, page: caseNoticePage, nav: 'cases', bare: true },
  { re: /^\/cases\/([^/]+)$/, page: casePage, nav: 'cases' },
];


function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  return { path: path || '/', query: new URLSearchParams(query) };
}

function renderHeader(active) {
  const who = session();
  const nav = document.getElementById('nav');
  const whoBox = document.getElementById('who');
  nav.hidden = !who;
  whoBox.hidden = !who;
  if (!who) return;
  const historyLink = nav.querySelector('[data-nav="history"]');
  historyLink.parentElement.hidden = !can('readDecisions');
  nav.querySelector('[data-nav="editor"]').parentElement.hidden = !can('publish');
  nav.querySelector('[data-nav="keys"]').parentElement.hidden = !can('manageKeys');
  nav.querySelector('[data-nav="cases"]').parentElement.hidden = !can('readCases');
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.nav === active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.getElementById('who-text').textContent = `${ROLE_TITLES[who.role] ?? who.role}${who.name ? `：${who.name}` : ''}`;
}

let routeSeq = 0;

async function route() {
  const mine = ++routeSeq;
  const { path, query } = parseHash();
  if (!session()) {
    renderHeader(null);
    document.body.classList.remove('bare');
    clear(main);
    document.title = '登录 · 制度';
    signInPage(main, { next: path === '/login' ? '/' : path + (query.toString() ? `?${query}` : '') });
    return;
  }
  const hit = routes.find((r) => r.re.test(path)) ?? null;
  renderHeader(hit?.nav ?? null);
  document.body.classList.toggle('bare', Boolean(hit?.bare));
  clear(main);
  main.classList.remove('wide');
  if (!hit) {
    if (path === '/login') return go('#/');
    main.appendChild(h('h1', {}, '页面不存在'));
    main.appendChild(h('p', {}, h('a', { href: '#/' }, '返回规则集列表')));
    return;
  }
  const params = path.match(hit.re).slice(1).map(decodeURIComponent);
  main.appendChild(h('p', { class: 'loading' }, '正在加载…'));
  try {
    await hit.page(main, { params, query, isCurrent: () => mine === routeSeq });
  } catch (e) {
    if (mine !== routeSeq) return;
    if (e.status === 401) {
      signOut();
      return route();
    }
    clear(main);
    main.appendChild(h('h1', {}, '出错了'));
    main.appendChild(h('p', { class: 'error', role: 'alert' }, e.messageZh || e.message));
  }
  if (mine === routeSeq) {
    // Move focus to the new page's heading so keyboard and screen-reader users start there.
    const h1 = main.querySelector('h1');
    if (h1 && !main.contains(document.activeElement)) {
      h1.setAttribute('tabindex', '-1');
      h1.focus({ preventScroll: true });
    }
    if (h1) document.title = `${h1.textContent} · 制度`;
  }
}

async function start() {
  initSourceDialog();
  document.getElementById('sign-out').addEventListener('click', () => {
    signOut();
    go('#/');
  });
  api.messages().then(useTemplates, () => {});
  await resume();
  window.addEventListener('hashchange', route);
  await route();
}

document.addEventListener('zhidu:signed-in', () => route());

start();
