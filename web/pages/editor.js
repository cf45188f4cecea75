// The policy editors' page: a draft of a rule set's YAML (and its tests), checked as it is typed
// (validation, then lint), the tests run with one click, the diff and the impact against the
// version in force, and a publish button that opens only when validation, lint and tests pass.

import { api } from '../api.js';
import { h, clear, announce } from '../dom.js';
import { can } from '../session.js';
import { editorApi } from '../editor-api.js';
import { createCodeEditor } from '../code-editor.js';
import { reviewSection } from './editor-review.js';
import { impactJobsApi, followJob, pastJobs } from '../impact-job-view.js';
import { changeChart } from '../impact-chart.js';

const SEVERITY_ZH = { error: '错误', warning: '警告', info: '提示' };
const DEBOUNCE_MS = 600;

/** `#/edit`: the rule sets an editor may draft a new version of. */
export async function editorListPage(main, { isCurrent }) {
  const { rulesets } = await api.rulesets();
  if (!isCurrent()) return;
  clear(main);
  main.appendChild(h('h1', {}, '规则编辑'));
  main.appendChild(h('p', { class: 'lead' }, '选择要修改的规则集：以现行版本为底稿起草新版本，检查、测试并查看影响后发布。'));
  main.appendChild(
    h(
      'ul',
      { class: 'ruleset-list' },
      rulesets.map((rs) => h('li', { class: 'ruleset-card', dataset: { ruleset: rs.id } }, h('h2', {}, h('a', { href: `#/edit/${encodeURIComponent(rs.id)}` }, rs.title)), h('p', {}, `现行版本 ${rs.in_force ? `v${rs.in_force}` : '—'}`))),
    ),
  );
}

function nextVersion(versions) {
  const latest = versions.map((v) => v.version.split('.').map(Number)).sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]).pop() ?? [1, 0, 0];
  return `${latest[0]}.${latest[1] + 1}.0`;
}

function readField(yaml, key) {
  const m = new RegExp(`^${key}:[ \\t]*(.*)$`, 'm').exec(yaml);
  if (!m) return undefined;
  const v = m[1].replace(/\s+#.*$/, '').trim().replace(/^["']|["']$/g, '');
  return v === 'null' || v === '~' ? '' : v;
}

function writeField(yaml, key, value) {
  const text = value === '' ? `${key}: null` : `${key}: "${value}"`;
  return new RegExp(`^${key}:.*$`, 'm').test(yaml) ? yaml.replace(new RegExp(`^${key}:.*$`, 'm'), text) : yaml;
}

/** `#/edit/:id`. */
export async function editorPage(main, { params, isCurrent }) {
  const id = params[0];
  if (!can('publish') && !can('validate')) {
    clear(main);
    main.appendChild(h('h1', {}, '规则编辑'));
    main.appendChild(h('p', { class: 'error', role: 'alert' }, '您的角色不能编辑规则集。'));
    return;
  }
  const versions = await editorApi.versions(id);
  // The newest version, published or scheduled — not the one in force today: a draft started from
  // an older one would be replaced on the newer one's date, its changes lost (the gate refuses it).
  const base = versions.versions[versions.versions.length - 1];
  const source = await editorApi.source(id, base.version);
  const review = reviewSection(id, { onLoadDraft: loadDraft, onPublished: published });
  const { fourEyes } = await review.refresh();
  if (!isCurrent()) return;

  const draftVersion = nextVersion(versions.versions);
  let rulesText = source.yaml.replace(/^version:.*$/m, `version: ${draftVersion}`);
  let testsText = source.tests ?? '';

  // What has been shown to pass, for which text: the publish button opens only when all hold for the current draft.
  const state = { validated: null, linted: null, tested: null, seq: 0 };
  const key = () => `${rulesEditor.getValue()}\u0000${testsEditor.getValue()}`;

  clear(main);
  main.classList.add('wide');
  main.appendChild(h('h1', {}, `编辑规则集：${base.title}`));
  main.appendChild(
    h(
      'p',
      { class: 'lead' },
      `以最新版本 v${base.version}（${base.effective_from ?? '自始'}起施行${base.in_force ? '，现行' : ''}）为底稿，草稿版本号 ${draftVersion}。输入时即校验并检查；测试全部通过、检查无错误后方可发布。已发布的版本不会被覆盖。`,
    ),
  );

  const versionInput = h('input', { id: 'draft-version', type: 'text', inputmode: 'numeric', pattern: '\\d+\\.\\d+\\.\\d+', value: draftVersion, size: 8 });
  const dateInput = h('input', { id: 'draft-effective', type: 'date', value: readField(rulesText, 'effective_from') ?? '' });
  const checklist = h(
    'ul',
    { class: 'gate-list', 'aria-live': 'polite' },
    h('li', { dataset: { gate: 'validate' } }, '校验：待检查'),
    h('li', { dataset: { gate: 'lint' } }, '检查：待检查'),
    h('li', { dataset: { gate: 'tests' } }, '测试：尚未运行'),
  );
  const testButton = h('button', { type: 'button', class: 'button' }, '运行测试');
  const diffButton = h('button', { type: 'button', class: 'button' }, `与底稿 v${base.version} 对比`);
  const countInput = h('input', { id: 'impact-count', type: 'number', min: '1', max: '1000000', step: '1', value: '100000' });
  // The population: simulated applicants, a file of real (anonymised) records, or decisions already recorded.
  const sourceSelect = h(
    'select',
    { id: 'impact-source' },
    h('option', { value: 'generated' }, '模拟申请人'),
    h('option', { value: 'upload' }, '上传记录文件（CSV 或 NDJSON）'),
    h('option', { value: 'decisions' }, '已记录的决定'),
  );
  const fileInput = h('input', { id: 'impact-file', type: 'file', accept: '.csv,.ndjson,.jsonl,text/csv,application/x-ndjson' });
  const fromInput = h('input', { id: 'impact-from', type: 'date' });
  const toInput = h('input', { id: 'impact-to', type: 'date' });
  const fileField = h('div', { class: 'field inline', hidden: true }, h('label', { for: 'impact-file' }, '记录文件'), fileInput);
  const rangeField = h('div', { class: 'field inline', hidden: true }, h('label', { for: 'impact-from' }, '记录日期自'), fromInput, h('label', { for: 'impact-to' }, '至（不含）'), toInput);
  const countField = h('div', { class: 'field inline' }, h('label', { for: 'impact-count' }, '模拟申请人数'), countInput);
  sourceSelect.addEventListener('change', () => {
    countField.hidden = sourceSelect.value !== 'generated';
    fileField.hidden = sourceSelect.value !== 'upload';
    rangeField.hidden = sourceSelect.value !== 'decisions';
  });
  const impactButton = h('button', { type: 'button', class: 'button' }, '影响分析');
  // With four eyes the draft is submitted for review; another editor or an admin approves it in 审核 below.
  const publishButton = h('button', { type: 'button', class: 'button primary', disabled: true, 'aria-describedby': 'publish-hint' }, fourEyes ? '提交审核' : '发布');
  const submitComment = fourEyes ? h('input', { id: 'submit-comment', type: 'text', size: 24, placeholder: '修改说明（供审核人阅读）' }) : null;
  const publishHint = h(
    'p',
    { id: 'publish-hint', class: 'hint' },
    fourEyes ? '须校验通过、检查无错误、测试全部通过后才能提交审核；经另一位编辑或管理员批准后发布。' : '须校验通过、检查无错误、测试全部通过后才能发布。',
  );

  main.appendChild(
    h(
      'div',
      { class: 'editor-toolbar' },
      h('div', { class: 'field inline' }, h('label', { for: 'draft-version' }, '版本号'), versionInput),
      h('div', { class: 'field inline' }, h('label', { for: 'draft-effective' }, '生效日期'), dateInput),
      testButton,
      diffButton,
      h('div', { class: 'field inline' }, h('label', { for: 'impact-source' }, '影响分析人群'), sourceSelect),
      countField,
      fileField,
      rangeField,
      impactButton,
      submitComment ? h('div', { class: 'field inline' }, h('label', { for: 'submit-comment' }, '修改说明'), submitComment) : null,
      publishButton,
    ),
  );
  main.appendChild(checklist);
  main.appendChild(publishHint);

  const findingsBox = h('section', { class: 'findings', 'aria-labelledby': 'findings-title' }, h('h2', { id: 'findings-title' }, '校验与检查结果'), h('p', { class: 'empty' }, '正在检查…'));
  const rulesEditor = createCodeEditor({ id: 'rules-yaml', label: '规则集 YAML', value: rulesText, onInput: changed });
  const testsEditor = createCodeEditor({ id: 'tests-yaml', label: '测试用例 YAML', value: testsText, onInput: changed });
  testsEditor.element.hidden = true;
  const tabRules = h('button', { type: 'button', role: 'tab', id: 'tab-rules', 'aria-selected': 'true', 'aria-controls': 'rules-panel' }, '规则');
  const tabTests = h('button', { type: 'button', role: 'tab', id: 'tab-tests', 'aria-selected': 'false', 'aria-controls': 'tests-panel' }, '测试用例');
  const select = (which) => {
    const rules = which === 'rules';
    tabRules.setAttribute('aria-selected', String(rules));
    tabTests.setAttribute('aria-selected', String(!rules));
    rulesEditor.element.hidden = !rules;
    testsEditor.element.hidden = rules;
  };
  tabRules.addEventListener('click', () => select('rules'));
  tabTests.addEventListener('click', () => select('tests'));
  main.appendChild(
    h(
      'div',
      { class: 'editor-grid' },
      h('section', { class: 'editor-pane' }, h('div', { role: 'tablist', class: 'tabs', 'aria-label': '草稿' }, tabRules, tabTests), h('div', { id: 'rules-panel' }, rulesEditor.element), h('div', { id: 'tests-panel' }, testsEditor.element)),
      findingsBox,
    ),
  );
  const results = h('div', { class: 'editor-results' });
  main.appendChild(results);
  const panel = (name, title) => {
    let el = results.querySelector(`[data-panel="${name}"]`);
    if (!el) {
      el = h('section', { class: 'result-panel', dataset: { panel: name }, 'aria-live': 'polite' });
      results.appendChild(el);
    }
    clear(el);
    el.appendChild(h('h2', {}, title));
    return el;
  };
  main.appendChild(review.element);
  main.appendChild(h('section', { class: 'versions', 'aria-labelledby': 'versions-title' }, h('h2', { id: 'versions-title' }, '版本'), versionTable(versions)));
  main.appendChild(h('section', { class: 'impact-history', 'aria-labelledby': 'impact-history-title' }, h('h2', { id: 'impact-history-title' }, '过去的影响分析')));

  function loadDraft(r) {
    rulesEditor.setValue(r.yaml);
    testsEditor.setValue(r.tests ?? '');
    select('rules');
    changed();
    announce(`已载入提交审核的 v${r.version}`);
  }

  async function published(r) {
    const el = panel('publish', '发布');
    el.appendChild(
      h('p', { class: 'ok', role: 'status' }, r.published ? `已发布 v${r.ruleset.version}，自 ${r.ruleset.effective_from ?? '即日'} 起施行；此前日期的决定仍按原版本作出。` : `v${r.ruleset.version} 已发布过，内容相同，未作改变。`),
    );
    const fresh = await editorApi.versions(id);
    const box = main.querySelector('.versions');
    clear(box);
    box.appendChild(h('h2', { id: 'versions-title' }, '版本'));
    box.appendChild(versionTable(fresh));
  }

  versionInput.addEventListener('change', () => {
    rulesEditor.setValue(rulesEditor.getValue().replace(/^version:.*$/m, `version: ${versionInput.value.trim()}`));
    changed();
  });
  dateInput.addEventListener('change', () => {
    rulesEditor.setValue(writeField(rulesEditor.getValue(), 'effective_from', dateInput.value));
    changed();
  });

  let timer = 0;
  function changed() {
    rulesText = rulesEditor.getValue();
    testsText = testsEditor.getValue();
    const v = readField(rulesText, 'version');
    if (v !== undefined && document.activeElement !== versionInput) versionInput.value = v;
    const d = readField(rulesText, 'effective_from');
    if (d !== undefined && document.activeElement !== dateInput) dateInput.value = d;
    updateGate();
    clearTimeout(timer);
    timer = setTimeout(check, DEBOUNCE_MS);
  }

  function setGate(name, ok, text) {
    const li = checklist.querySelector(`[data-gate="${name}"]`);
    li.textContent = text;
    li.className = ok === null ? '' : ok ? 'gate-ok' : 'gate-fail';
  }

  function updateGate() {
    const k = key();
    const ready = state.validated?.key === k && state.validated.ok && state.linted?.key === k && state.linted.ok && state.tested?.key === k && state.tested.ok;
    publishButton.disabled = !ready;
    if (state.tested && state.tested.key !== k) setGate('tests', null, '测试：草稿已修改，请重新运行');
  }

  async function check() {
    const mine = ++state.seq;
    const k = key();
    const yaml = rulesEditor.getValue();
    setGate('validate', null, '校验：正在校验…');
    let validation;
    try {
      validation = await editorApi.validate(yaml);
    } catch (e) {
      if (mine !== state.seq) return;
      setGate('validate', false, `校验：${e.messageZh}`);
      return;
    }
    if (mine !== state.seq) return;
    state.validated = { key: k, ok: validation.ok };
    setGate('validate', validation.ok, validation.ok ? '校验：通过' : `校验：${validation.findings.filter((f) => f.severity === 'error').length} 个错误`);
    showFindings(validation.findings);
    updateGate();
    if (!validation.ok) {
      state.linted = { key: k, ok: false };
      setGate('lint', false, '检查：须先通过校验');
      return;
    }
    setGate('lint', null, '检查：正在检查…');
    const lint = await editorApi.lint(yaml, testsEditor.getValue()).catch((e) => ({ failed: e }));
    if (mine !== state.seq) return;
    if (lint.failed) {
      setGate('lint', false, `检查：${lint.failed.messageZh}`);
      return;
    }
    const errors = lint.counts.error;
    state.linted = { key: k, ok: errors === 0 };
    setGate('lint', errors === 0, `检查：${errors} 个错误，${lint.counts.warning} 个警告，${lint.counts.info} 个提示`);
    showFindings(lint.findings);
    updateGate();
  }

  function showFindings(findings) {
    const ruleFindings = findings.filter((f) => f.file === 'draft.yaml');
    rulesEditor.setMarkers(ruleFindings);
    testsEditor.setMarkers(findings.filter((f) => f.file !== 'draft.yaml'));
    clear(findingsBox);
    findingsBox.appendChild(h('h2', { id: 'findings-title' }, '校验与检查结果'));
    if (findings.length === 0) {
      findingsBox.appendChild(h('p', { class: 'empty' }, '没有发现问题。'));
      return;
    }
    const order = { error: 0, warning: 1, info: 2 };
    const sorted = [...findings].sort((a, b) => order[a.severity] - order[b.severity] || a.line - b.line);
    findingsBox.appendChild(
      h(
        'ol',
        { class: 'finding-list' },
        sorted.map((f) =>
          h(
            'li',
            { class: `finding finding-${f.severity}`, dataset: { code: f.code, line: String(f.line) } },
            h(
              'button',
              {
                type: 'button',
                class: 'link-button finding-at',
                onclick: () => {
                  const inTests = f.file !== 'draft.yaml';
                  select(inTests ? 'tests' : 'rules');
                  (inTests ? testsEditor : rulesEditor).gotoLine(f.line, f.column);
                },
              },
              `${f.file === 'draft.yaml' ? '' : '测试 '}第 ${f.line} 行`,
            ),
            h('span', { class: `badge badge-${f.severity}` }, SEVERITY_ZH[f.severity] ?? f.severity),
            h('span', { class: 'finding-message' }, f.message),
            f.rules?.length ? h('span', { class: 'finding-rules' }, `（${f.rules.join('、')}）`) : null,
          ),
        ),
      ),
    );
  }

  testButton.addEventListener('click', async () => {
    const k = key();
    const el = panel('tests', '测试结果');
    el.appendChild(h('p', { class: 'loading' }, '正在运行测试…'));
    testButton.disabled = true;
    try {
      const r = await editorApi.test(id, rulesEditor.getValue(), testsEditor.getValue());
      const ok = r.failed === 0 && r.passed > 0 && r.findings.length === 0;
      state.tested = { key: k, ok };
      setGate('tests', ok, `测试：${r.passed} 个通过，${r.failed} 个失败`);
      clear(el);
      el.appendChild(h('h2', {}, '测试结果'));
      el.appendChild(h('p', { class: ok ? 'ok' : 'error', dataset: { passed: String(r.passed), failed: String(r.failed) } }, `${r.passed} 个用例通过，${r.failed} 个失败；其中 ${r.on_draft} 个用例按草稿版本决定（其余按其日期施行的版本）。`));
      if (r.coverage.never_held.length > 0) el.appendChild(h('p', { class: 'hint' }, `草稿版本中从未被测试用例触发的规则：${r.coverage.never_held.join('、')}`));
      const failing = r.cases.filter((c) => !c.ok);
      if (failing.length) el.appendChild(h('ul', { class: 'failing-cases' }, failing.map((c) => h('li', {}, h('strong', {}, c.name), `（测试第 ${c.line} 行）：`, c.failures.join('；')))));
      announce(`测试：${r.passed} 个通过，${r.failed} 个失败`);
    } catch (e) {
      state.tested = { key: k, ok: false };
      clear(el);
      el.appendChild(h('h2', {}, '测试结果'));
      el.appendChild(h('p', { class: 'error', role: 'alert' }, e.messageZh));
      if (e.problem?.findings) showFindings(e.problem.findings);
    } finally {
      testButton.disabled = false;
      updateGate();
    }
  });

  diffButton.addEventListener('click', async () => {
    const el = panel('diff', `与底稿 v${base.version} 的差异`);
    try {
      const d = await editorApi.diff(id, rulesEditor.getValue(), base.version);
      el.appendChild(d.changes.length ? h('ul', { class: 'diff-list' }, d.changes.map((c) => h('li', { dataset: { kind: c.kind } }, c.zh))) : h('p', {}, '内容无改变。'));
    } catch (e) {
      el.appendChild(h('p', { class: 'error', role: 'alert' }, e.messageZh));
    }
  });

  // Impact runs as a job (POST /v1/impact-jobs): progress, cancel, and the report kept to reopen.
  const showReport = (el, r) => el.appendChild(impactView(r));
  const refreshPastJobs = async () => {
    const box = main.querySelector('.impact-history');
    try {
      const { jobs } = await impactJobsApi.list(id);
      clear(box);
      box.appendChild(h('h2', { id: 'impact-history-title' }, '过去的影响分析'));
      box.appendChild(
        pastJobs(jobs, async (job) => {
          const el = panel('impact', `影响分析（${new Date(job.created_at).toLocaleString('zh-CN', { hour12: false })}，v${job.from_version} → v${job.to_version}）`);
          try {
            showReport(el, await impactJobsApi.report(job.id));
          } catch (e) {
            el.appendChild(h('p', { class: 'error', role: 'alert' }, e.messageZh));
          }
        }),
      );
    } catch {
      // The list is a convenience; the page works without it.
    }
  };
  impactButton.addEventListener('click', async () => {
    const el = panel('impact', '影响分析');
    impactButton.disabled = true;
    try {
      const population = await chosenPopulation();
      if (!population) return;
      const job = await impactJobsApi.start({ ruleset: id, to: { yaml: rulesEditor.getValue() }, population, sample: 3 });
      void refreshPastJobs();
      await followJob(el, job, (r) => showReport(el, r), { isCurrent });
      void refreshPastJobs();
    } catch (e) {
      el.appendChild(h('p', { class: 'error', role: 'alert' }, e.messageZh));
      // An upload with bad rows: each row and column, to fix in the spreadsheet.
      if (e.problem?.problems) el.appendChild(h('ul', { class: 'upload-problems' }, e.problem.problems.map((p) => h('li', { dataset: { row: String(p.row) } }, p.text))));
      if (e.problem?.findings) showFindings(e.problem.findings);
    } finally {
      impactButton.disabled = false;
    }
  });
  async function chosenPopulation() {
    if (sourceSelect.value === 'upload') {
      const file = fileInput.files?.[0];
      if (!file) {
        panel('impact', '影响分析').appendChild(h('p', { class: 'error', role: 'alert' }, '请选择记录文件（CSV 带标题行，或每行一个 JSON 对象的 NDJSON）。'));
        return undefined;
      }
      return { upload: { format: /\.csv$/i.test(file.name) ? 'csv' : 'ndjson', text: await file.text() } };
    }
    if (sourceSelect.value === 'decisions') return { decisions: { ...(fromInput.value ? { from: fromInput.value } : {}), ...(toInput.value ? { to: toInput.value } : {}) } };
    return { count: Math.max(1, Math.min(1_000_000, Number.parseInt(countInput.value, 10) || 1000)), seed: 1 };
  }

  publishButton.addEventListener('click', async () => {
    const el = panel('publish', fourEyes ? '提交审核' : '发布');
    publishButton.disabled = true;
    try {
      if (fourEyes) {
        const r = await editorApi.submit(id, rulesEditor.getValue(), testsEditor.getValue(), submitComment.value.trim());
        el.appendChild(h('p', { class: 'ok', role: 'status' }, `已提交审核 v${r.review.version}：须由另一位政策编辑或管理员批准后方可发布。`));
        if (r.population) el.appendChild(h('p', { class: 'hint' }, populationLine(r.population)));
        await review.refresh();
        announce('已提交审核');
      } else {
        const r = await editorApi.publish(id, rulesEditor.getValue(), testsEditor.getValue());
        await published(r);
        await review.refresh();
        announce('已发布');
      }
    } catch (e) {
      el.appendChild(h('p', { class: 'error', role: 'alert' }, `${fourEyes ? '未提交' : '未发布'}：${e.messageZh}`));
      if (e.problem?.population && !e.problem.population.ok) el.appendChild(populationFailures(e.problem.population));
      if (e.problem?.findings) showFindings(e.problem.findings);
      updateGate();
    }
  });

  changed();
  void refreshPastJobs();
}

function populationLine(p) {
  return `${p.records} 名模拟申请人（决定日期 ${p.as_of}）均已作出决定或列出待补事实，无冲突、无公式错误（用时 ${(p.elapsed_ms / 1000).toFixed(1)} 秒）。`;
}

/** The applicants the draft could not answer: their facts in words, the rules and the output involved. */
function populationFailures(p) {
  return h(
    'div',
    { class: 'population-failures', dataset: { failed: String(p.failed) } },
    h('p', {}, `${p.records} 名模拟申请人（决定日期 ${p.as_of}）中有 ${p.failed} 名无法作出决定。例如：`),
    h(
      'ol',
      {},
      p.samples.map((s) =>
        h(
          'li',
          { class: 'population-sample', dataset: { code: s.code } },
          h('p', {}, h('strong', {}, `第 ${s.index} 名：`), s.message),
          s.rules.length ? h('p', {}, `涉及规则：${s.rules.map((r) => `${r.title}（${r.id}）`).join('；')}${s.output ? `；输出“${s.output.title}”` : ''}`) : null,
          h('dl', { class: 'sample-facts' }, s.facts_text.flatMap((f) => [h('dt', {}, f.title), h('dd', {}, f.text)])),
        ),
      ),
    ),
  );
}

function versionTable(data) {
  const ORIGIN = { file: '规则文件', published: '经发布' };
  return h(
    'table',
    { class: 'version-table' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '版本'), h('th', { scope: 'col' }, '施行日期'), h('th', { scope: 'col' }, '来源'), h('th', { scope: 'col' }, '状态'))),
    h(
      'tbody',
      {},
      data.versions.map((v) =>
        h(
          'tr',
          { dataset: { version: v.version } },
          h('td', {}, `v${v.version}`),
          h('td', {}, `${v.effective_from ?? '自始'}${v.effective_to ? ` 至 ${v.effective_to}` : ' 起'}`),
          h('td', {}, `${ORIGIN[v.origin] ?? v.origin}${v.published_by ? `（${v.published_by}）` : ''}`),
          h('td', {}, v.in_force ? '现行' : ''),
        ),
      ),
    ),
  );
}

function impactView(r) {
  const o = r.outcome;
  const rows = [
    ['模拟申请人', `${r.records} 名（决定日期 ${r.as_of}；v${r.from.version} → v${r.to.version}）`],
    ['结果改变', `${r.changed} 名${share(r.changed, r.records)}`],
    ...(o.boolean ? [['新增符合', `${o.newly_eligible} 名`], ['不再符合', `${o.no_longer_eligible} 名`]] : []),
    ...o.transitions.slice(0, 6).map((t) => [`${o.title}`, `${t.from} → ${t.to}：${t.count} 名`]),
    ...r.amounts
      .filter((a) => a.up || a.down)
      .map((a) => [a.title, `上升 ${a.up} 名，下降 ${a.down} 名${a.summable !== false && a.total_change !== null ? `；合计 ${a.total_from} → ${a.total_to}${a.unit ?? ''}，变化 ${a.total_change.startsWith('-') ? '' : '+'}${a.total_change}${a.unit ?? ''}` : '（期限、日数等不相加）'}`]),
    ...(r.collected ?? []).flatMap((c) => c.values.filter((v) => v.gained || v.lost).map((v) => [`${c.title}：${v.title}`, `新增 ${v.gained} 名，失去 ${v.lost} 名${share(v.gained + v.lost, r.records)}`])),
    ['速度', `${r.records_per_second} 条/秒，用时 ${(r.elapsed_ms / 1000).toFixed(1)} 秒`],
  ];
  return h(
    'div',
    { class: 'impact', dataset: { changed: String(r.changed), records: String(r.records) } },
    h('dl', { class: 'impact-summary' }, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    r.by_rule.length ? h('h3', {}, '按造成差异的规则') : null,
    r.by_rule.length
      ? h(
          'ul',
          { class: 'impact-rules' },
          r.by_rule.map((g) => h('li', { dataset: { rules: g.rules.join(',') } }, `${g.other ? '其他规则组合' : `${g.titles.join('、')}（${g.rules.join('、')}）`}：${g.count} 名${g.newly_eligible ? `，新增符合 ${g.newly_eligible}` : ''}${g.no_longer_eligible ? `，不再符合 ${g.no_longer_eligible}` : ''}`)),
        )
      : null,
    ...r.amounts.filter((a) => a.changes && Object.keys(a.changes).length).map((a) => changeChart(a.title, a.changes, a.unit ?? '')),
    r.sample.length ? h('h3', {}, '示例案例') : null,
    ...r.sample.slice(0, 3).map((c) =>
      h(
        'details',
        { class: 'impact-case' },
        h('summary', {}, `第 ${c.line} 条：${c.from.display} → ${c.to.display}`),
        c.facts_text ? h('p', { class: 'impact-facts' }, c.facts_text.join('；')) : null,
        c.changes?.length ? h('ul', { class: 'impact-changes' }, c.changes.map((x) => h('li', {}, `${x.title}：${x.from} → ${x.to}`))) : null,
        h('div', { class: 'two-sides' }, side('现行版本', c.from), side('草稿', c.to)),
      ),
    ),
  );
}

function share(n, total) {
  return total > 0 ? `（${((n / total) * 100).toFixed(1)}%）` : '';
}

function side(title, s) {
  return h('div', {}, h('h4', {}, `${title}：${s.display}`), h('ul', {}, s.explanation.map((e) => h('li', {}, e))));
}
