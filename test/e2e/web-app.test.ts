import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { KEYS, REPO, launchBrowser, openPage, screenshotPath, signIn, startServer, answer, evaluate, askedFacts, factField, poll, recordDecision, type TestServer } from './harness.js';

// The caseworkers' web app in a real browser, on the example rule set of the core
// (committee-subsidy.yaml): every page, the keyboard, narrow screens and print.
const RULESET = 'committee-subsidy-example';
const TITLE = '居委会成员生活补贴（示例）';

let server: TestServer;
let browser: Browser;

const isoDay = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/**
 * Two versions of the example, so a replay has something to show: v1.0.0 until yesterday,
 * v1.1.0 (the member's base raised from 600 to 650 元, up to 20 terms instead of 10) from today.
 */
function twoVersions(): Record<string, string> {
  const text = readFileSync(join(REPO, 'test/fixtures/good/committee-subsidy.yaml'), 'utf8');
  // v1.0.0 also allowed at most 10 terms (the form, built from today's version, allows 20).
  const v1 = text.replace('effective_from: null', `effective_from: null\neffective_to: ${isoDay(-1)}`).replace('maximum: 20', 'maximum: 10');
  const v2 = text
    .replace('version: 1.0.0', 'version: 1.1.0')
    .replace('effective_from: null', `effective_from: ${isoDay(0)}`)
    .replace('"600 + 50 * terms_reelected"', '"650 + 50 * terms_reelected"');
  if (!v1.includes('maximum: 10') || !v1.includes('effective_to') || v2.includes('"600 + 50')) throw new Error('fixture changed: update twoVersions()');
  return { 'committee-subsidy.yaml': v1, 'committee-subsidy-1.1.yaml': v2 };
}

beforeAll(async () => {
  server = await startServer([], twoVersions());
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function api(method: string, path: string, body?: unknown) {
  const res = await server.app.inject({
    method: method as 'GET',
    url: path,
    headers: { authorization: `Bearer ${KEYS.caseworker}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, body: res.json() };
}

async function decisionCount(): Promise<number> {
  const r = await api('GET', `/v1/decisions?ruleset=${RULESET}&limit=200`);
  return r.body.items.length;
}

async function openRuleset(page: Page) {
  await signIn(page, server.url, KEYS.caseworker);
  await page.getByRole('link', { name: TITLE }).click();
  await page.getByRole('heading', { level: 1, name: TITLE }).waitFor();
}

async function setDecisionDate(page: Page, date: string) {
  await page.getByLabel('决定日期').fill(date);
}

describe('web app (committee subsidy example)', () => {
  it('serves every asset itself, refuses a wrong key, lists rule sets with source, version and dates', async () => {
    const { context, page, problems } = await openPage(browser, server.url);
    const res = await page.goto(`${server.url}/`);
    expect(res?.headers()['content-security-policy']).toContain("default-src 'self'");
    await page.getByLabel('API 密钥').fill('not-a-key');
    await page.getByRole('button', { name: '登录' }).click();
    await poll(() => page.locator('#api-key-err').textContent()).toBe('密钥无效或已停用，请核对后重试。');
    await poll(() => page.getByLabel('API 密钥').getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('API 密钥').fill(KEYS.caseworker);
    await page.getByRole('button', { name: '登录' }).click();
    const card = page.locator(`[data-ruleset="${RULESET}"]`);
    await card.waitFor();
    const text = await card.innerText();
    expect(text).toContain(TITLE);
    expect(text).toContain('《社区办公室日常工作计划九篇》 第2篇');
    expect(text).toContain('v1.1.0');
    expect(text).toContain(`${isoDay(0)} 起施行`);
    expect(await page.locator('#who-text').textContent()).toBe('经办人：张经办');
    await page.screenshot({ path: screenshotPath('web-01-rulesets'), fullPage: true });

    // The key is kept for the session: a reload stays signed in; signing out forgets it.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: '选择规则集' }).waitFor();
    await page.getByRole('button', { name: '退出' }).click();
    await page.getByRole('heading', { level: 1, name: '登录' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('generates the form from the input schema: labels tied to inputs, choices from x-enum-titles, units and ranges', async () => {
    const { context, page, problems } = await openPage(browser, server.url);
    await openRuleset(page);
    const meta = await page.locator('.ruleset-meta').innerText();
    expect(meta).toContain('v1.0.0：原文未载明施行日期（视为自始施行），至 ' + isoDay(-1) + ' 止');
    expect(meta).toContain(`v1.1.0：${isoDay(0)} 起施行（现行）`);
    // Only the required question is asked before anything is known.
    await poll(() => factField(page, 'role').isVisible()).toBe(true);
    expect(await factField(page, 'terms_reelected').isVisible()).toBe(false);
    expect(await factField(page, 'birth_date').isVisible()).toBe(false);
    expect(await page.getByRole('radio', { name: '书记/主任' }).count()).toBe(1);
    expect(await page.getByRole('radio', { name: '副主任' }).count()).toBe(1);
    await page.getByLabel('显示全部问题（包括当前不影响结论的问题）').check();
    expect(await page.getByLabel('连任届数（单位：届）').count()).toBe(1);
    expect(await factField(page, 'terms_reelected').innerText()).toContain('范围：0 至 20 届');
    expect(await page.getByLabel('出生日期').getAttribute('type')).toBe('date');
    // Every control has a label.
    const unlabelled = await page.locator('form.fact-form').evaluate((form) =>
      [...form.querySelectorAll('input, select, textarea')].filter((el) => (el as HTMLInputElement).labels?.length === 0).map((el) => el.id),
    );
    expect(unlabelled).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('marks invalid and missing entries at the field, with the API’s own message, before anything is sent', async () => {
    const { context, page, problems } = await openPage(browser, server.url);
    await openRuleset(page);
    const before = await decisionCount();
    let posted = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST') posted += 1;
    });

    // The required fact left empty: the app asks for it.
    await page.getByRole('button', { name: '评估', exact: true }).click();
    const roleError = factField(page, 'role').locator('.field-error');
    await poll(() => roleError.textContent()).toBe('请填写“职务”');
    expect(await page.locator('.error-summary').innerText()).toContain('请填写“职务”');

    // An answer out of range, worded exactly as the API words it.
    await page.getByLabel('显示全部问题（包括当前不影响结论的问题）').check();
    await page.getByLabel('连任届数（单位：届）').fill('25');
    await answer(page, 'role', 'member');
    await page.getByRole('button', { name: '评估', exact: true }).click();
    const termsError = factField(page, 'terms_reelected').locator('.field-error');
    await poll(() => termsError.isVisible()).toBe(true);
    const fromApi = await api('POST', `/v1/rulesets/${RULESET}/evaluate`, { facts: { role: 'member', terms_reelected: 25 } });
    expect(fromApi.status).toBe(400);
    expect(await termsError.textContent()).toBe(fromApi.body.violations[0].message);
    expect(await page.getByLabel('连任届数（单位：届）').getAttribute('aria-invalid')).toBe('true');
    await page.screenshot({ path: screenshotPath('web-02-invalid-entries'), fullPage: true });

    // A malformed date, too.
    await page.getByLabel('连任届数（单位：届）').fill('1');
    await page.getByLabel('出生日期').evaluate((el) => {
      // A date input only holds valid dates; type="text" is what older browsers show.
      (el as HTMLInputElement).type = 'text';
      (el as HTMLInputElement).value = '1950-02-30';
    });
    await page.getByRole('button', { name: '评估', exact: true }).click();
    await poll(() => factField(page, 'birth_date').locator('.field-error').textContent()).toBe(
      '“出生日期”须为日期，如 2025-06-01 或 2025年6月1日；现填 1950-02-30',
    );
    expect(posted).toBe(0);
    expect(await decisionCount()).toBe(before);

    // What only the server can know: a backdated decision falls under v1.0.0, which allowed
    // at most 10 terms. Its problem+json violation is shown at the field it points to.
    await page.getByLabel('出生日期').evaluate((el) => {
      (el as HTMLInputElement).value = '';
    });
    await page.getByLabel('连任届数（单位：届）').fill('15');
    await page.getByLabel('决定日期').fill('2025-06-01');
    await page.getByRole('button', { name: '评估', exact: true }).click();
    const fromServer = await api('POST', `/v1/rulesets/${RULESET}/evaluate`, { facts: { role: 'member', terms_reelected: 15 }, as_of: '2025-06-01' });
    expect(fromServer.status).toBe(400);
    expect(fromServer.body.violations[0].pointer).toBe('/facts/terms_reelected');
    await poll(() => termsError.textContent()).toBe(fromServer.body.violations[0].message);
    expect(await page.locator('.error-summary h3').textContent()).toBe('服务器拒绝了以下内容，请更正后再评估');
    expect(await decisionCount()).toBe(before);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('asks exactly the facts still needed, in order, then decides: why not, with the applicant’s value and what the rule requires', async () => {
    const { context, page, problems } = await openPage(browser, server.url);
    await openRuleset(page);
    const recordsBefore = await decisionCount();
    await answer(page, 'role', 'member');
    await setDecisionDate(page, '2025-06-01');
    const first = await evaluate(page);
    expect(first).toBe('是否享受补贴：待定，尚缺事实');
    expect(await askedFacts(page)).toEqual(['birth_date']);
    const birth = factField(page, 'birth_date');
    expect(await birth.isVisible()).toBe(true);
    expect(await birth.getAttribute('class')).toContain('needed');
    expect(await birth.locator('.needed-badge').textContent()).toBe('待答 1');
    // 尚待核实: the pathway still open, its unknown condition and the fact to ask, in words.
    expect(await page.locator('.result .outcome-box').getAttribute('class')).toContain('tone-pending');
    const open = page.locator('.result [data-testid="pending-grounds"] .pending-ground[data-rule="member_subsidy"]');
    expect(await open.getByRole('heading').innerText()).toContain('委员补贴');
    expect(await open.locator('li').allTextContents()).toEqual(['年龄（周岁）应小于 70 岁']);
    expect(await open.locator('.ask').textContent()).toBe('需询问：出生日期');
    // Not needed for a 委员: stays hidden.
    expect(await factField(page, 'terms_reelected').isVisible()).toBe(false);
    await page.screenshot({ path: screenshotPath('web-03-still-needed'), fullPage: true });

    await answer(page, 'birth_date', '1950-03-01');
    const outcome = await evaluate(page);
    expect(outcome).toBe('是否享受补贴：不享受');
    const member = page.locator('.result .why-not .failed[data-rule="member_subsidy"]');
    expect(await member.locator('.failed-title').innerText()).toContain('委员补贴');
    expect(await member.locator('.reason-not').textContent()).toBe('不符合委员补贴条件。');
    const row = member.locator('tr[data-fact="age"]');
    expect(await row.locator('th').textContent()).toBe('年龄（周岁）');
    expect(await row.locator('td.actual').textContent()).toBe('75 岁');
    expect(await row.locator('td.requires').textContent()).toBe('年龄（周岁）应小于 70 岁');
    // The director's rule failed on the case frame (the required 职务): counted, not listed as unmet.
    expect(await page.locator('.result .why-not .failed[data-rule="director_subsidy"]').count()).toBe(0);
    expect(await page.locator('.result .why-not .inapplicable summary').textContent()).toBe('另有 1 条规则因职务不同而不适用');
    expect(await factField(page, 'birth_date').getAttribute('class')).not.toContain('needed');
    // Pressing 评估 previews: however often, nothing goes into the decision log, and no id is shown.
    for (let i = 0; i < 3; i++) await evaluate(page);
    expect(await page.locator('.result .decision-id').count()).toBe(0);
    expect(await decisionCount()).toBe(recordsBefore);
    await page.screenshot({ path: screenshotPath('web-04-refused'), fullPage: true });
    // 记录此决定 records that one decision.
    await recordDecision(page);
    expect(await decisionCount()).toBe(recordsBefore + 1);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('decides a qualifying applicant, explains why with citations, opens the cited clause with its lines highlighted', async () => {
    const { context, page, problems } = await openPage(browser, server.url);
    await openRuleset(page);
    await answer(page, 'role', 'secretary_or_director');
    await setDecisionDate(page, '2025-06-01');
    // The headline is settled by the role; the amount still needs the terms served.
    expect(await evaluate(page)).toBe('是否享受补贴：享受');
    expect(await askedFacts(page)).toEqual(['terms_reelected']);
    expect(await page.locator('.result [data-output="monthly_subsidy"]').textContent()).toBe('待定（尚缺事实）');
    await answer(page, 'terms_reelected', 2);
    expect(await evaluate(page)).toBe('是否享受补贴：享受');
    expect(await page.locator('.result [data-output="monthly_subsidy"]').textContent()).toBe('900 元');
    const reason = page.locator('.result .why li[data-rule="director_subsidy"]');
    expect(await reason.locator('.reason-text').textContent()).toBe('职务为书记/主任，连任 2 届，月补贴 900 元。');
    const id = await recordDecision(page);
    expect(id).toMatch(/\S{8,}/);
    await page.screenshot({ path: screenshotPath('web-05-qualifies'), fullPage: true });

    const cite = reason.getByRole('button', { name: /第2篇 二\(二\)/ });
    await cite.click();
    const dialog = page.locator('#source-dialog');
    await poll(() => dialog.isVisible()).toBe(true);
    await dialog.locator('li.cited mark').first().waitFor();
    expect(await page.locator('#source-title').textContent()).toBe('条文原文：第2篇 二(二)');
    const marked = await dialog.locator('li.cited mark').allInnerTexts();
    expect(marked.join('\n')).toContain('(二)成员的补贴标准。社区居委会书记、主任每人每月800元');
    // Context lines around the clause are shown, not highlighted.
    const lineNumbers = await dialog.locator('li.cited').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.line)));
    expect(Math.min(...lineNumbers)).toBe(37);
    expect(Math.max(...lineNumbers)).toBe(43);
    expect(await dialog.locator('li.context').count()).toBeGreaterThan(0);
    await page.screenshot({ path: screenshotPath('web-06-citation') });
    await page.keyboard.press('Escape');
    await poll(() => dialog.isVisible()).toBe(false);
    expect(await cite.evaluate((el) => el === document.activeElement)).toBe(true);

    // The caseworker agrees; it is stored through the API and shown on the record.
    await page.getByRole('radio', { name: '同意', exact: true }).check();
    await page.getByRole('button', { name: '保存复核意见' }).click();
    await poll(() => page.locator('.result .determination-list li').count()).toBe(1);
    const stored = await api('GET', `/v1/decisions/${id}`);
    expect(stored.body.determinations).toHaveLength(1);
    expect(stored.body.determinations[0].agree).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('prints a one-page A4 decision notice with facts, outcome, reasons, citations, version, date and determination', async () => {
    const rec = await api('POST', `/v1/rulesets/${RULESET}/evaluate`, { facts: { role: 'member', terms_reelected: 1, birth_date: '1950-03-01' }, as_of: '2025-06-01' });
    expect(rec.status).toBe(200);
    const id = rec.body.id as string;
    const { context, page, problems } = await openPage(browser, server.url);
    await signIn(page, server.url, KEYS.caseworker);
    await page.goto(`${server.url}/#/decisions/${id}`);
    await page.getByRole('heading', { level: 1, name: `决定 ${id}` }).waitFor();
    // Override without a reason is refused at the field; with one it is stored.
    await page.getByRole('radio', { name: '不同意，改判' }).check();
    await page.getByRole('button', { name: '保存复核意见' }).click();
    await poll(() => page.locator('.determination-form .field-error').textContent()).toBe('改判时必须填写理由。');
    await page.getByLabel('复核理由').fill('申请人已于五月离任，不再享受补贴。');
    await page.getByRole('button', { name: '保存复核意见' }).click();
    await poll(() => page.locator('.determination-list li').first().innerText()).toContain('改判：申请人已于五月离任，不再享受补贴。');

    await page.getByRole('link', { name: '打印决定书' }).click();
    const notice = page.locator('.notice-doc');
    await notice.waitFor();
    const text = await notice.innerText();
    expect(await notice.locator('h1').textContent()).toBe('决定书');
    expect(text).toContain(id);
    expect(text).toContain('居委会成员生活补贴（示例）');
    expect(text).toContain('committee-subsidy-example v1.0.0');
    expect(text).toContain('2025-06-01');
    expect(await notice.locator('[data-testid="notice-outcome"]').textContent()).toBe('是否享受补贴：不享受');
    expect(text).toContain('职务');
    expect(text).toContain('不同意，改判。理由：申请人已于五月离任，不再享受补贴。');
    expect(text).toContain('委员补贴：年龄（周岁）应小于 70 岁，申请人为 75 岁〔第2篇 二(二)，第 37–43 行〕');
    expect(text).toContain('另有 1 条规则因职务不同而不适用：书记、主任补贴。');
    expect(text).toContain('没有一条途径的条件全部满足，故结论为：不享受。');
    await page.screenshot({ path: screenshotPath('web-07-notice-screen'), fullPage: true });

    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.site-header').isVisible()).toBe(false);
    expect(await page.locator('.notice-toolbar').isVisible()).toBe(false);
    await page.screenshot({ path: screenshotPath('web-08-notice-print'), fullPage: true });
    const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true });
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? [];
    expect(pages.length).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('finds decisions by id and by filter, shows determinations in the history, replays under today’s rules', async () => {
    const made = await api('POST', `/v1/rulesets/${RULESET}/evaluate`, { facts: { role: 'member', birth_date: '1980-01-01', terms_reelected: 0 }, as_of: '2025-06-01' });
    const id = made.body.id as string;
    await api('POST', `/v1/decisions/${id}/determinations`, { agree: true });
    const { context, page, problems } = await openPage(browser, server.url);
    await signIn(page, server.url, KEYS.caseworker);
    await page.getByRole('link', { name: '决定记录', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: '决定记录' }).waitFor();
    await page.getByLabel('规则集').selectOption(RULESET);
    await poll(() => page.getByLabel('结论').locator('option').allTextContents()).toContain('享受');
    await page.getByLabel('结论').selectOption({ label: '享受' });
    await page.getByRole('button', { name: '筛选' }).click();
    const row = page.locator(`table.history tr[data-id="${id}"]`);
    await row.waitFor();
    await poll(() => row.locator('td.outcome').textContent()).toBe('是否享受补贴：享受');
    await poll(() => row.locator('td.determination').textContent()).toBe('同意本决定');
    // Every row listed has the filtered outcome.
    const outcomes = await page.locator('table.history td.outcome').allTextContents();
    expect(outcomes.every((o) => o === '是否享受补贴：享受' || o === 'true')).toBe(true);
    await page.screenshot({ path: screenshotPath('web-09-history'), fullPage: true });
    // By date recorded: nothing was recorded from tomorrow on; today's records are there.
    await page.getByLabel('记录日期自').fill(isoDay(1));
    await page.getByRole('button', { name: '筛选' }).click();
    await page.getByText('没有符合条件的决定。').waitFor();
    await page.getByLabel('记录日期自').fill(isoDay(-1));
    await page.getByLabel('记录日期至').fill(isoDay(1));
    await page.getByRole('button', { name: '筛选' }).click();
    await page.locator(`table.history tr[data-id="${id}"]`).waitFor();

    await page.getByLabel('决定编号', { exact: true }).fill('no-such-decision');
    await page.getByRole('button', { name: '查找' }).click();
    await poll(() => page.locator('#find-id-err').textContent()).toBe('找不到编号为 no-such-decision 的决定。');
    await page.getByLabel('决定编号', { exact: true }).fill(id);
    await page.getByRole('button', { name: '查找' }).click();
    await page.getByRole('heading', { level: 1, name: `决定 ${id}` }).waitFor();
    expect(await page.locator('.outcome-line').textContent()).toBe('是否享受补贴：享受');

    await page.getByRole('button', { name: '按今天的规则重算' }).click();
    const same = page.locator('[data-testid="replay-same"]');
    await same.waitFor();
    expect(await same.textContent()).toBe('结果与记录完全一致。');
    // Today v1.1.0 is in force: the same facts would now get 650 元 instead of 600 元.
    const today = await page.locator('[data-testid="replay-today"]').textContent();
    expect(today).toContain('适用版本 v1.1.0');
    expect(today).toContain('是否享受补贴：享受');
    const changes = await page.locator('table[data-testid="replay-changes"] tbody tr').evaluateAll((rows) =>
      rows.map((r) => [...r.children].map((c) => c.textContent)),
    );
    expect(changes).toContainEqual(['规则集版本', 'v1.0.0', 'v1.1.0']);
    expect(changes).toContainEqual(['月生活补贴', '600 元', '650 元']);
    // The recorded decision is unchanged.
    expect(await page.locator('.decision .outputs [data-output="monthly_subsidy"]').textContent()).toBe('600 元');
    await page.screenshot({ path: screenshotPath('web-10-replay'), fullPage: true });
    // Changing the determination adds a new one that supersedes the last; the history shows both.
    await page.getByRole('radio', { name: '不同意，改判' }).check();
    await page.getByLabel('复核理由').fill('按今天的规则应为 650 元，报请复核。');
    await page.getByRole('button', { name: '更新复核意见' }).click();
    await poll(() => page.locator('.determination-list li').count()).toBe(2);
    expect(await page.locator('.determination-list li').first().innerText()).toContain('（已被后一条意见取代）');
    const stored = await api('GET', `/v1/decisions/${id}`);
    expect(stored.body.determinations.map((d: { agree: boolean }) => d.agree)).toEqual([true, false]);
    expect(stored.body.determinations[1].supersedes).toBe(stored.body.determinations[0].id);
    expect(stored.body.decision.outputs.monthly_subsidy.value).toBe('600');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows each role only what it may do', async () => {
    const sys = await openPage(browser, server.url);
    await signIn(sys.page, server.url, KEYS.system);
    expect(await sys.page.getByRole('link', { name: '决定记录', exact: true }).isVisible()).toBe(false);
    await sys.page.getByRole('link', { name: TITLE }).click();
    await sys.page.locator('form.fact-form').waitFor();
    await sys.context.close();

    const ed = await openPage(browser, server.url);
    await signIn(ed.page, server.url, KEYS.editor);
    expect(await ed.page.getByRole('link', { name: '决定记录', exact: true }).isVisible()).toBe(true);
    await ed.page.getByRole('link', { name: TITLE }).click();
    await ed.page.getByText('您的角色不能作出决定。').waitFor();
    expect(await ed.page.locator('form.fact-form').count()).toBe(0);
    expect([...sys.problems, ...ed.problems]).toEqual([]);
    await ed.context.close();
  });

  it('works with the keyboard alone', async () => {
    const { context, page, problems } = await openPage(browser, server.url);
    await page.goto(`${server.url}/`);
    await page.getByLabel('API 密钥').waitFor();
    // The key field has focus on arrival.
    await page.keyboard.type(KEYS.caseworker);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: '选择规则集' }).waitFor();
    const tabTo = async (test: () => Promise<boolean>, what: string) => {
      for (let i = 0; i < 40; i += 1) {
        await page.keyboard.press('Tab');
        if (await test()) return;
      }
      throw new Error(`Tab never reached ${what}`);
    };
    const focusedText = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
    await tabTo(async () => (await focusedText()) === TITLE, 'the rule-set link');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: TITLE }).waitFor();
    await tabTo(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type === 'radio'), 'the first choice');
    await page.keyboard.press('Space'); // 书记/主任
    await tabTo(async () => (await focusedText()) === '评估', 'the evaluate button');
    await page.keyboard.press('Enter');
    // Facts still needed (the amount): focus lands on their list; its link leads to the question.
    await page.locator('.needed-panel').waitFor();
    await tabTo(async () => (await focusedText()) === '连任届数', 'the needed-fact link');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).labels?.[0]?.textContent)).toContain('连任届数');
    await page.keyboard.type('3');
    await tabTo(async () => (await focusedText()) === '评估', 'the evaluate button');
    await page.keyboard.press('Enter');
    await poll(() => page.evaluate(() => document.activeElement?.classList.contains('outcome-line'))).toBe(true);
    expect(await page.locator('.result .outcome-line').textContent()).toBe('是否享受补贴：享受');
    expect(await page.locator('.result [data-output="monthly_subsidy"]').textContent()).toBe('950 元');
    // Focus is visible where it lands.
    await tabTo(async () => (await focusedText()).startsWith('依据：'), 'a citation');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    expect(outline).not.toBe('none');
    await page.keyboard.press('Enter');
    await page.locator('#source-dialog li.cited').first().waitFor();
    await page.keyboard.press('Escape');
    await poll(() => page.locator('#source-dialog').isVisible()).toBe(false);
    expect(problems).toEqual([]);
    await context.close();
  });

  for (const [name, viewport] of [
    ['tablet-portrait', { width: 600, height: 960 }],
    ['zoom-200', { width: 640, height: 450 }], // a 1280×900 window at 200% zoom
  ] as const) {
    it(`stays readable without sideways scrolling: ${name}`, async () => {
      const { context, page, problems } = await openPage(browser, server.url, viewport);
      await openRuleset(page);
      await answer(page, 'role', 'member');
      await page.getByLabel('显示全部问题（包括当前不影响结论的问题）').check();
      await answer(page, 'birth_date', '1950-03-01');
      await answer(page, 'terms_reelected', 1);
      await evaluate(page);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: screenshotPath(`web-11-${name}`), fullPage: true });
      await page.getByRole('link', { name: '决定记录', exact: true }).click();
      await page.locator('table.history').waitFor();
      const overflow2 = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow2).toBeLessThanOrEqual(0);
      expect(problems).toEqual([]);
      await context.close();
    });
  }
});
