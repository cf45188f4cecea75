import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { KEYS, REPO, launchBrowser, openPage, screenshotPath, signIn, startServer, decide, evaluate, factField, poll, type TestServer } from './harness.js';

// A caseworker at the window, start to finish, on the settlement rules: a case for a
// named applicant, the interview saved as a draft, a reload, the submitted refusal with
// its grounds, an override with a reason, the notice, and the case found again by the
// applicant's identity card number. Screenshots of each step: test-results/case-walkthrough/.
const TITLE = '落户条件（户口迁移、落户与注销）';
const AS_OF = '2025-06-01';
const ID_NUMBER = '11010519491231002X';
const refused = JSON.parse(readFileSync(join(REPO, 'docs', 'examples', 'hukou-refused.json'), 'utf8')) as Record<string, unknown>;

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer(['rules/hukou-settlement.yaml', 'rules/subsidy-standards.yaml', 'rules/family-planning.yaml']);
  browser = await launchBrowser();
  // Room for a slow start of the server and the browser on a loaded machine.
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: screenshotPath(`case-walkthrough/${name}`), fullPage: true });

async function recordedDecisions(): Promise<number> {
  const res = await server.app.inject({ method: 'GET', url: '/v1/decisions?limit=200', headers: { authorization: `Bearer ${KEYS.admin}` } });
  return (res.json() as { items: unknown[] }).items.length;
}

describe('a case at the service window (hukou-settlement)', () => {
  it('new case → draft saved → reload → submit → refused with its grounds → override → notice → found by ID number', async () => {
    const { context, page, problems } = await openPage(browser, server.url);
    await signIn(page, server.url, KEYS.caseworker);
    await page.getByRole('link', { name: TITLE }).click();
    await page.getByRole('heading', { level: 1, name: TITLE }).waitFor();

    // 1. A new case for a named applicant; a wrong check character is refused at the field.
    await page.getByLabel('申请人姓名').fill('李秀英');
    await page.getByLabel('公民身份号码').fill('110105194912310021');
    await page.getByLabel('联系电话').fill('13812345678');
    await page.getByRole('button', { name: '新建办件' }).click();
    await poll(() => page.locator('form.new-case .field-error:not([hidden])').first().textContent()).toContain('校验位不符');
    await page.getByLabel('公民身份号码').fill('１１０１０５１９４９１２３１００２ｘ');
    await shot(page, '01-new-case');
    await page.getByRole('button', { name: '新建办件' }).click();
    await page.getByRole('heading', { level: 1, name: /^办件 \d{4}-\d{6}：/ }).waitFor();
    const caseNo = /办件 (\d{4}-\d{6})/.exec((await page.locator('h1').textContent()) ?? '')?.[1] as string;
    expect(await page.getByTestId('case-state').textContent()).toBe('草稿');
    expect(await page.getByTestId('applicant-name').textContent()).toBe('李秀英');

    // 2. The interview: each 评估 is a trial, nothing is recorded; the answers are saved as typed.
    await page.getByLabel('决定日期').fill(AS_OF);
    await factField(page, 'matter').locator('select').selectOption(String(refused.matter));
    await evaluate(page);
    // The questions the decision waits for are asked, and none of them is labelled 选填.
    const waiting = page.locator('form.fact-form .field.needed');
    expect(await waiting.count()).toBeGreaterThan(0);
    for (const text of await waiting.evaluateAll((els) => els.map((e) => (e as HTMLElement).innerText))) expect(text).not.toContain('选填');
    expect(await recordedDecisions()).toBe(0);
    const { outcome } = await decide(page, ['matter'], refused);
    expect(outcome).toContain('不予办理');
    // A refusal reads as one: red with ✘, whatever the outcome's value is called.
    expect(await page.locator('.result .outcome-box').getAttribute('class')).toContain('tone-no');
    expect(await recordedDecisions()).toBe(0);
    await poll(() => page.getByTestId('save-state').textContent()).toMatch(/^草稿已保存（/);
    await shot(page, '02-draft');

    // 3. Reload: the draft is where it was.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: `办件 ${caseNo}：${TITLE}` }).waitFor();
    await poll(() => factField(page, 'housing_type').locator('select').inputValue()).toBe('private_rented');
    expect(await page.getByLabel('决定日期').inputValue()).toBe(AS_OF);
    await poll(() => page.locator('.result .outcome-line').first().textContent()).toContain('不予办理');
    await shot(page, '03-reloaded');

    // 4. Submit: recorded once; refused, with the grounds.
    await page.getByTestId('submit-case').click();
    await poll(() => page.getByTestId('case-state').textContent()).toBe('已提交');
    expect(await recordedDecisions()).toBe(1);
    expect(await page.getByTestId('machine-outcome').textContent()).toContain('不予办理');
    const grounds = await page.locator('.why-not article.failed').count();
    expect(grounds).toBeGreaterThan(0);
    // What would change it, in words: the housing pathway and the housing it needs.
    const whatIf = page.getByTestId('counterfactuals');
    expect(await whatIf.getByRole('heading').first().textContent()).toBe('怎样可以改变结论');
    const proposal = whatIf.locator('.what-if > li[data-rule="residence_and_livelihood"]');
    expect(await proposal.locator('.what-if-text').textContent()).toContain('可满足“合法固定住所和稳定职业或生活来源（二(二)1）”，结论为：准予落户（迁入）');
    expect(await proposal.locator('tr[data-fact="housing_type"] td').first().textContent()).toBe('租住的出租房屋（私房或市场租赁房）');
    expect(await whatIf.innerText()).not.toMatch(/[a-z]+_[a-z_]+/);
    await shot(page, '04-submitted');

    // 5. Override with a reason: the corrected outcome beside the machine's.
    await page.getByRole('button', { name: '保存改判' }).click();
    await poll(() => page.locator('.override-form .field-error').textContent()).toBe('请选择改判结论。');
    await page.getByLabel('改判结论').selectOption('settle');
    await page.getByLabel('改判理由').fill('申请人已提交房屋产权证明，住所条件经现场核实满足');
    await page.getByRole('button', { name: '保存改判' }).click();
    await poll(() => page.getByTestId('case-state').textContent()).toBe('已改判');
    expect(await page.getByTestId('override-outcome').textContent()).toBe('准予落户（迁入）');
    expect(await page.getByTestId('machine-outcome').textContent()).toContain('不予办理');
    await shot(page, '05-overridden');

    // 6. The notice: on screen as it prints, and the PDF from the API (its text read back).
    const caseId = decodeURIComponent(/#\/cases\/([^/?]+)/.exec(page.url())?.[1] ?? '');
    await page.getByRole('link', { name: '打印决定书' }).click();
    await page.getByRole('heading', { level: 1, name: '准予许可决定书' }).waitFor();
    expect(await page.getByTestId('notice-correction').textContent()).toContain('系统审核结论为“不予办理');
    expect(await page.getByTestId('notice-number').textContent()).toBe(`〔${caseNo.slice(0, 4)}〕${caseNo.slice(5)}号`);
    const noticeText = (await page.locator('.notice-doc').textContent()) ?? '';
    for (const s of ['李秀英', ID_NUMBER, '一、查明的事实', '《居家办公管理制度十篇》篇3', '申请行政复议', '提起行政诉讼', '（盖章处）']) expect(noticeText).toContain(s);
    expect(noticeText).not.toMatch(/\.txt|内容指纹/);
    await shot(page, '06-notice');
    const pdf = await server.app.inject({ method: 'GET', url: `/v1/cases/${caseId}/notice.pdf`, headers: { authorization: `Bearer ${KEYS.caseworker}` } });
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const doc = await getDocument({ data: new Uint8Array(pdf.rawPayload), isEvalSupported: false }).promise;
    const items = (await (await doc.getPage(1)).getTextContent()).items.map((i) => ('str' in i ? i.str : '')).join('').replace(/\s+/g, '');
    for (const s of ['准予许可决定书', '李秀英', ID_NUMBER, '改判理由：申请人已提交房屋产权证明', '申请行政复议']) expect(items).toContain(s);
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: `办件 ${caseNo}：${TITLE}` }).waitFor();
    // The browser's 下载 PDF button hands over the same notice as a file named by the case number.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '下载 PDF' }).click()]);
    expect(download.suggestedFilename()).toBe(`${caseNo}.pdf`);
    const saved = readFileSync((await download.path()) as string);
    const downloaded = await getDocument({ data: new Uint8Array(saved), isEvalSupported: false }).promise;
    const downloadedText = (await (await downloaded.getPage(1)).getTextContent()).items.map((i) => ('str' in i ? i.str : '')).join('').replace(/\s+/g, '');
    for (const s of ['准予许可决定书', '李秀英', '改判理由：申请人已提交房屋产权证明']) expect(downloadedText).toContain(s);

    // 7. Found again by the identity card number, masked in the list, both outcomes shown.
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '办件查询' }).click();
    await page.getByRole('heading', { level: 1, name: '办件查询' }).waitFor();
    await page.getByLabel('公民身份号码').fill(ID_NUMBER.toLowerCase());
    await page.getByRole('button', { name: '查找' }).click();
    const row = page.locator('table.cases tbody tr');
    await poll(() => row.count()).toBe(1);
    expect(await row.locator('td').nth(0).textContent()).toBe(caseNo);
    expect(await row.locator('td.id-number').textContent()).toBe('110***********002X');
    expect(await row.locator('td.outcome').textContent()).toContain('改判为：准予落户（迁入）');
    expect(await row.locator('td.outcome').textContent()).toContain('系统结论：不予办理');
    expect(await page.content()).not.toContain(ID_NUMBER);
    await shot(page, '07-history');

    expect(problems).toEqual([]);
    await context.close();
  });

  it('lists rule sets in Chinese (pinyin) order, with a search', async () => {
    const { context, page, problems } = await openPage(browser, server.url);
    await signIn(page, server.url, KEYS.caseworker);
    const titles = () => page.locator('.ruleset-card:not([hidden]) h2').allTextContents();
    // 补 (bǔ) · 计 (jì) · 落 (luò): not the order of their code points (落 < 补 < 计).
    expect(await titles()).toEqual(['补贴标准', '计生奖惩', TITLE]);
    await page.getByLabel('查找事项').fill('户口');
    await poll(titles).toEqual([TITLE]);
    expect(await page.locator('#rs-search-count').textContent()).toBe('找到 1 个规则集');
    await shot(page, '00-rulesets-search');
    await page.getByLabel('查找事项').fill('没有这个');
    await poll(() => page.getByText('没有符合的规则集。').isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('reads as one column at 375 px', async () => {
    const { context, page, problems } = await openPage(browser, server.url, { width: 375, height: 800 });
    await signIn(page, server.url, KEYS.caseworker);
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '办件查询' }).click();
    await page.getByRole('heading', { level: 1, name: '办件查询' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, '08-narrow-history');
    expect(problems).toEqual([]);
    await context.close();
  });
});
