// Admin: API keys and caseworker accounts. A new key is shown once, here,
// and never again (the server stores only its sha256).

import { api } from '../api.js';
import { h, clear, announce } from '../dom.js';
import { ROLE_TITLES } from '../session.js';

const ROLE_HELP = {
  caseworker: '在窗口作出和查看决定',
  system: '其他系统通过接口批量调用',
  editor: '编辑、校验和发布规则集',
  admin: '管理密钥与账户',
};

export async function keysPage(main, { isCurrent }) {
  const { keys } = await api.keys();
  if (!isCurrent()) return;
  clear(main);
  main.classList.add('wide');
  main.appendChild(h('h1', {}, '密钥与账户'));
  main.appendChild(h('p', { class: 'lead' }, '每位经办人、编辑或对接系统各用一把密钥登录；其名称会记录在其作出的每一个决定上。新密钥只在创建时显示一次，服务器只保存其摘要。'));

  const created = h('div', { class: 'key-created', hidden: true, role: 'region', 'aria-label': '新密钥' });
  const formError = h('p', { class: 'error', role: 'alert', hidden: true });
  const listBox = h('div', {});

  const nameInput = h('input', { type: 'text', id: 'key-name', name: 'name', required: true, maxlength: 64, autocomplete: 'off', placeholder: '如：张三' });
  const roleSelect = h(
    'select',
    { id: 'key-role', name: 'role' },
    Object.keys(ROLE_TITLES).map((r) => h('option', { value: r, selected: r === 'caseworker' }, `${ROLE_TITLES[r]}（${ROLE_HELP[r]}）`)),
  );
  const form = h(
    'form',
    { class: 'key-form', 'aria-label': '新增密钥' },
    h('h2', {}, '新增密钥'),
    h('div', { class: 'field' }, h('label', { for: 'key-name' }, '姓名或系统名称'), nameInput),
    h('div', { class: 'field' }, h('label', { for: 'key-role' }, '角色'), roleSelect),
    formError,
    h('button', { type: 'submit', class: 'primary' }, '创建密钥'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    formError.hidden = true;
    const name = nameInput.value.trim();
    if (!name) {
      formError.textContent = '请填写姓名或系统名称。';
      formError.hidden = false;
      nameInput.focus();
      return;
    }
    try {
      const made = await api.addKey(name, roleSelect.value);
      showCreated(created, made);
      nameInput.value = '';
      announce(`已为${made.name}创建密钥`);
      await refresh();
    } catch (err) {
      formError.textContent = err.messageZh;
      formError.hidden = false;
    }
  });

  async function refresh() {
    const { keys: now } = await api.keys();
    renderList(now);
  }

  function renderList(list) {
    clear(listBox);
    listBox.appendChild(h('h2', {}, `现有密钥（${list.length}）`));
    const sorted = [...list].sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
    listBox.appendChild(
      h(
        'table',
        { class: 'keys-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '名称'), h('th', { scope: 'col' }, '角色'), h('th', { scope: 'col' }, '操作'))),
        h(
          'tbody',
          {},
          sorted.map((k) =>
            h(
              'tr',
              { dataset: { key: k.name } },
              h('td', {}, k.name),
              h('td', {}, ROLE_TITLES[k.role] ?? k.role),
              h(
                'td',
                {},
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'danger',
                    onclick: async (ev) => {
                      const cell = ev.currentTarget.parentElement;
                      if (!confirm(`确定吊销「${k.name}」的密钥？吊销后此人无法再登录或调用接口。`)) return;
                      try {
                        await api.revokeKey(k.name);
                        announce(`已吊销${k.name}的密钥`);
                        await refresh();
                      } catch (err) {
                        cell.appendChild(h('p', { class: 'error', role: 'alert' }, err.messageZh));
                      }
                    },
                  },
                  '吊销',
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  main.appendChild(created);
  main.appendChild(form);
  main.appendChild(listBox);
  renderList(keys);
}

function showCreated(box, made) {
  clear(box);
  const keyText = h('code', { class: 'key-value' }, made.key);
  const copied = h('span', { class: 'copied', role: 'status' });
  box.append(
    h('h2', {}, `已为「${made.name}」（${ROLE_TITLES[made.role] ?? made.role}）创建密钥`),
    h('p', {}, '请现在复制并交给本人妥善保存。此密钥只显示这一次，关闭本页后无法再查看；遗失时吊销后重新创建。'),
    h('p', {}, keyText),
    h(
      'button',
      {
        type: 'button',
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(made.key);
            copied.textContent = '已复制';
          } catch {
            copied.textContent = '无法自动复制，请手动选中复制';
          }
        },
      },
      '复制密钥',
    ),
    copied,
  );
  box.hidden = false;
}
