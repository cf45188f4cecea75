import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { KEYS, REPO, launchBrowser, openPage, screenshotPath, signIn, startServer, answer, askedFacts, decide, factField, evaluate, poll, recordDecision, type TestServer } from './harness.js';

// The settlement form (rules/hukou-settlement.yaml) in a real browser, for the example
// applicants of docs/examples: one who qualifies, one who does not.
const RULESET = 'hukou-settlement';
const TITLE = '落户条件（户口迁移、落户与注销）';
const AS_OF = '2025-06-01';
const example = (name: string) => JSON.parse(readFileSync(join(REPO, 'docs', 'examples', name), 'utf8')) as Record<string, unknown>;

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer(['rules/hukou-settlement.yaml']);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function apiEvaluate(facts: Record<string, unknown>) {
  const res = await server.app.inject({
    method: 'POST',
    url: `/v1/rulesets/${RULESET}/evaluate`,
    headers: { authorization: `Bearer ${KEYS.caseworker}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ facts, as_of: AS_OF }),
  });
  return res.json();
}

async function openForm(page: Page) {
  await signIn(page, server.url, KEYS.caseworker);
  await page.getByRole('link', { name: TITLE }).click();
  await page.getByRole('heading', { level: 1, name: TITLE }).waitFor();
  await page.getByLabel('决定日期').fill(AS_OF);
}

describe('settlement form (hukou-settlement)', () => {
  it('asks for the required matter, then exactly the facts still needed, in the API’s order', async () => {
    const { context, page, problems } = await openPage(browser, server.url);
    await openForm(page);
    // Left empty, the required fact is asked for at the field.
    await page.getByRole('button', { name: '评估', exact: true }).click();
    await poll(() => factField(page, 'matter').locator('.field-error').textContent()).toBe('请填写“办理事项”');
    expect(await page.getByLabel('办理事项').getAttribute('aria-invalid')).toBe('true');
    // Enum labels come from x-enum-titles.
    const options = await page.getByLabel('办理事项').locator('option').allTextContents();
    expect(options.length).toBe(13);
    expect(options.every((o) => !/^[a-z_]+$/.test(o))).toBe(true);

    await answer(page, 'matter', 'residence_and_livelihood');
    expect(await evaluate(page)).toBe('办理结论：待定，尚缺事实');
    const expected = await apiEvaluate({ matter: 'residence_and_livelihood' });
    expect(expected.decision.status).toBe('undetermined');
    const asked = await askedFacts(page);
    expect(asked).toEqual(expected.decision.missing.map((m: { fact: string }) => m.fact));
    expect(asked.length).toBeGreaterThan(0);
    // Each asked question is shown and marked, numbered in order; others stay hidden.
    for (const [i, fact] of asked.entries()) {
      expect(await factField(page, fact).isVisible()).toBe(true);
      expect(await factField(page, fact).locator('.needed-badge').textContent()).toBe(`待答 ${i + 1}`);
    }
    expect(await factField(page, 'sentence_kind').isVisible()).toBe(false);
    await page.screenshot({ path: screenshotPath('hukou-01-still-needed'), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('an applicant who qualifies: outcome, reasons with citations, the cited clause highlighted, the printed notice', async () => {
    const { context, page, problems } = await openPage(browser, server.url);
    await openForm(page);
    const facts = example('hukou-qualifies.json');
    const { outcome, asked } = await decide(page, ['matter'], facts);
    expect(asked.length).toBeGreaterThan(0);
    expect(outcome).toBe('办理结论：准予落户（迁入）');
    expect(await page.locator('.result [data-output="pathways"]').textContent()).toBe('合法固定住所和稳定职业或生活来源（二(二)1）');
    expect(await page.locator('.result [data-output="approver"]').textContent()).toBe('市公安局直接受理核准');
    const reasons = await page.locator('.result .why .reason-text').allTextContents();
    expect(reasons).toContain(
      '迁入市区的城区（街道、社区），住所为以贷款形式购买的住房并持有产权证或使用证，具备稳定职业或稳定生活来源；迁入人为申请人的本人，在可落户范围内，准予落户。',
    );
    expect(reasons).toContain('迁入市区，由市公安局直接受理核准。');
    await page.screenshot({ path: screenshotPath('hukou-02-qualifies'), fullPage: true });

    const first = page.locator('.result .why li').first();
    await first.getByRole('button', { name: /篇3 二\(二\)1/ }).click();
    const dialog = page.locator('#source-dialog');
    await poll(() => dialog.isVisible()).toBe(true);
    await dialog.locator('li.cited mark').first().waitFor();
    const marked = (await dialog.locator('li.cited mark').allInnerTexts()).join('\n');
    expect(marked).toContain('对具有合法固定住所、稳定的职业或生活来源的,可在当地申请办理本人及共同居住直系亲属的常住户口');
    expect(await dialog.locator('li.cited').first().getAttribute('data-line')).toBe('161');
    await page.screenshot({ path: screenshotPath('hukou-03-citation') });
    await page.keyboard.press('Escape');

    const id = await recordDecision(page);
    await page.getByRole('radio', { name: '同意', exact: true }).check();
    await page.getByRole('button', { name: '保存复核意见' }).click();
    await page.locator('.result .determination-list li').waitFor();
    await page.getByRole('link', { name: '打印决定书' }).click();
    const notice = page.locator('.notice-doc');
    await notice.waitFor();
    const text = await notice.innerText();
    expect(text).toContain(id);
    expect(await notice.locator('[data-testid="notice-outcome"]').textContent()).toBe('办理结论：准予落户（迁入）');
    expect(text).toContain('hukou-settlement v1.0.0');
    expect(text).toContain(`决定日期\t${AS_OF}`);
    expect(text).toContain('以贷款形式购买的住房'); // a fact relied on, in words
    expect(text).toContain('〔篇3 二(二)1，第 161 行〕');
    expect(await notice.locator('[data-testid="notice-determination"]').textContent()).toBe('同意本决定。');
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: screenshotPath('hukou-04-notice-print'), fullPage: true });
    const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true });
    expect((pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('an applicant who does not qualify: the failing pathway, the applicant’s value and what the rule requires', async () => {
    const { context, page, problems } = await openPage(browser, server.url);
    await openForm(page);
    const { outcome } = await decide(page, ['matter'], example('hukou-refused.json'));
    expect(outcome).toBe('办理结论：不予办理（不符合落户或恢复户口条件）');
    expect(await page.locator('.result [data-output="may_settle"]').textContent()).toBe('不准予');
    const pathway = page.locator('.result .why-not > .failed[data-rule]', { hasText: '合法固定住所和稳定职业或生活来源（二(二)1）' });
    expect(await pathway.count()).toBe(1);
    const housing = pathway.locator('tr[data-fact="housing_type"]');
    expect(await housing.locator('th').textContent()).toBe('住所类型');
    expect(await housing.locator('td.actual').textContent()).toBe('租住的出租房屋（私房或市场租赁房）');
    expect(await housing.locator('td.requires').textContent()).toBe('住所类型应属于 购买的住房、以贷款形式购买的住房、经批准自建的住房、租住分配的公有住房');
    // Rules for another matter (恢复户口, 注销…) are left out of the decision's grounds altogether.
    expect(await page.locator('.result .why-not .inapplicable').count()).toBe(0);
    expect(await page.locator('.result .why-not').textContent()).not.toMatch(/恢复户口|注销/);
    // What would change the outcome: the housing, in words and fact by fact, as the API says.
    const whatIf = page.locator('.result [data-testid="counterfactuals"]');
    expect(await whatIf.getByRole('heading').textContent()).toBe('怎样可以改变结论');
    const proposal = whatIf.locator('.what-if > li[data-rule="residence_and_livelihood"]');
    // The form stops asking once the refusal is decided, so facts never asked are "to be ascertained".
    const sentence = (await proposal.locator('.what-if-text').textContent()) ?? '';
    expect(sentence.startsWith('若住所类型为购买的住房、以贷款形式购买的住房、经批准自建的住房或租住分配的公有住房，且经核实“持有《房屋产权证》或《房屋使用证》”为“是”')).toBe(true);
    expect(sentence.endsWith('可满足“合法固定住所和稳定职业或生活来源（二(二)1）”，结论为：准予落户（迁入）。')).toBe(true);
    expect(await proposal.locator('tr[data-fact="housing_type"] td').allTextContents()).toEqual([
      '租住的出租房屋（私房或市场租赁房）',
      '购买的住房、以贷款形式购买的住房、经批准自建的住房、租住分配的公有住房',
    ]);
    expect(await proposal.locator('tr[data-fact="has_property_certificate"] td').allTextContents()).toEqual(['尚未核实', '是']);
    expect(await whatIf.innerText()).not.toMatch(/[a-z]+_[a-z_]+/);
    await page.screenshot({ path: screenshotPath('hukou-05-refused'), fullPage: true });

    await recordDecision(page);
    await page.getByRole('link', { name: '打印决定书' }).click();
    const notice = page.locator('.notice-doc');
    await notice.waitFor();
    expect(await notice.locator('[data-testid="notice-outcome"]').textContent()).toBe('办理结论：不予办理（不符合落户或恢复户口条件）');
    expect(await notice.innerText()).toContain('住所类型应属于 购买的住房、以贷款形式购买的住房、经批准自建的住房、租住分配的公有住房，申请人为 租住的出租房屋（私房或市场租赁房）');
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: screenshotPath('hukou-06-refused-notice-print'), fullPage: true });
    const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true });
    expect((pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('filters the records by the outcome in words', async () => {
    const settled = await apiEvaluate(example('hukou-qualifies.json'));
    const refused = await apiEvaluate(example('hukou-refused.json'));
    const { context, page, problems } = await openPage(browser, server.url);
    await signIn(page, server.url, KEYS.caseworker);
    await page.goto(`${server.url}/#/history`);
    await page.getByLabel('规则集').selectOption(RULESET);
    await poll(() => page.getByLabel('结论').locator('option').allTextContents()).toContain('准予落户（迁入）');
    await page.getByLabel('结论').selectOption({ label: '准予落户（迁入）' });
    await page.getByRole('button', { name: '筛选' }).click();
    await page.locator(`table.history tr[data-id="${settled.id}"]`).waitFor();
    expect(await page.locator(`table.history tr[data-id="${refused.id}"]`).count()).toBe(0);
    await poll(() => page.locator(`table.history tr[data-id="${settled.id}"] td.outcome`).textContent()).toBe('办理结论：准予落户（迁入）');
    expect(page.url()).toContain('outcome=settle');
    expect(problems).toEqual([]);
    await context.close();
  });
});
