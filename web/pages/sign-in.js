// Sign in with an API key; the key is kept for this browser tab only.

import { h } from '../dom.js';
import { signIn } from '../session.js';

export function signInPage(main, { next }) {
  const input = h('input', {
    id: 'api-key',
    name: 'api-key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'api-key-help api-key-err',
    'aria-required': 'true',
  });
  const err = h('p', { class: 'field-error', id: 'api-key-err', hidden: true });
  const button = h('button', { type: 'submit', class: 'primary' }, '登录');
  const form = h(
    'form',
    { class: 'sign-in', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'api-key' }, 'API 密钥'), h('p', { class: 'help', id: 'api-key-help' }, '请输入管理员发给您的密钥。密钥只保存在当前浏览器标签页中，关闭标签页或点击“退出”即失效。'), input, err),
    h('div', { class: 'buttons' }, button),
  );
  const fail = (msg) => {
    err.textContent = msg;
    err.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    if (!key) return fail('请输入 API 密钥。');
    button.disabled = true;
    try {
      await signIn(key);
      location.hash = `#${next || '/'}`;
      document.dispatchEvent(new CustomEvent('zhidu:signed-in'));
    } catch (e) {
      fail(e.status === 401 || e.status === 403 ? '密钥无效或已停用，请核对后重试。' : `无法登录：${e.messageZh || e.message}`);
    } finally {
      button.disabled = false;
    }
  });
  main.appendChild(h('h1', {}, '登录'));
  main.appendChild(h('p', {}, '制度 · 资格审核：按现行规定逐项询问申请人情况，给出有依据、可解释的决定。'));
  main.appendChild(form);
  input.focus();
}
