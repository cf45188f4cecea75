import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { KEYS, launchBrowser, openPage, screenshotPath, signIn, startServer, type TestServer } from './harness.js';

// The policy editor's page in a real browser, on the bundled settlement rules: change the
// stable-job threshold for the city districts (2 → 3 years) from 2026, see validation and lint
// at their lines as it is typed, run the tests, see the diff and the impact, publish, and
// then decisions either side of the effective date use the right version.
const RULESET = 'hukou-settlement';

// A case pinning the new threshold on the draft's own dates (appended to the tests in the page).
const NEW_CASE = `
- name: from 2026 a city employee with two years is refused
  as_of: '2026-06-01'
  facts:
    matter: residence_and_livelihood
    destination_area: city_district
    destination_locality: urban
    mover_relation: self
    housing_type: purchased
    has_property_certificate: true
    housing_let_out: false
    employment_kind: employee
    labour_contract_filed: true
    social_insurance_paid: true
    work_start_date: '2024-06-01'
    stable_income_monthly: '300'
    local_minimum_living_standard: '800'
  expect:
    outcome: refuse
    rules_not_held: [residence_and_livelihood]
- name: from 2026 a city employee with three years settles
  as_of: '2026-06-01'
  facts:
    matter: residence_and_livelihood
    destination_area: city_district
    destination_locality: urban
    mover_relation: self
    housing_type: purchased
    has_property_certificate: true
    housing_let_out: false
    employment_kind: employee
    labour_contract_filed: true
    social_insurance_paid: true
    work_start_date: '2023-06-01'
  expect:
    outcome: settle
    rules_held: [residence_and_livelihood]
`;

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer(['rules/hukou-settlement.yaml', 'rules/hukou-settlement.test.yaml']);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const CITY_THRESHOLD = /(destination_area, operator: equal, value: city_district \}\n\s+- \{ fact: work_years, operator: greaterThanInclusive, value: )2( \})/g;

async function editRules(page: Page, edit: (text: string) => string) {
  const area = page.locator('#rules-yaml');
  const text = await area.inputValue();
  await area.fill(edit(text));
}

async function gate(page: Page, name: string) {
  return (await page.locator(`.gate-list [data-gate="${name}"]`).textContent()) ?? '';
}

describe('the rule editor (hukou-settlement)', () => {
  it('edits a threshold, shows findings at their lines, runs the tests, diff and impact, and publishes with an effective date', async () => {
    const { context, page, problems } = await openPage(browser, server.url);
    await signIn(page, server.url, KEYS.editor);
    await page.getByRole('link', { name: '规则编辑' }).click();
    await page.getByRole('heading', { level: 1, name: '规则编辑' }).waitFor();
    await page.locator(`[data-ruleset="${RULESET}"] a`).click();
    await page.getByRole('heading', { level: 1, name: /^编辑规则集：落户条件/ }).waitFor();
    await expect.poll(() => gate(page, 'validate'), { timeout: 20_000 }).toBe('校验：通过');
    await expect.poll(() => gate(page, 'lint'), { timeout: 30_000 }).toMatch(/^检查：0 个错误/);
    expect(await page.locator('#draft-version').inputValue()).toBe('1.1.0');
    expect(await page.getByRole('button', { name: '发布' }).isDisabled()).toBe(true);
    // The highlighting is the page's own: keys, strings and numbers in their spans.
    expect(await page.locator('.code-layer .tok-key').first().textContent()).toBe('id');

    // Typing a wrong value: the validation finding appears at its line, in the list and the gutter.
    await editRules(page, (t) => t.replace(CITY_THRESHOLD, '$13x$2'));
    const line = (await page.locator('#rules-yaml').inputValue()).split('\n').findIndex((l) => l.includes('value: 3x')) + 1;
    await expect.poll(() => gate(page, 'validate'), { timeout: 20_000 }).toMatch(/^校验：\d+ 个错误/);
    const bad = page.locator(`.finding-list .finding-error[data-line="${line}"]`).first();
    await bad.waitFor();
    expect(await bad.textContent()).toContain('work_years');
    expect(await page.locator(`.code-gutter .gutter-line.mark-error[data-line="${line}"]`).count()).toBe(1);
    await page.screenshot({ path: screenshotPath('editor-01-validation-finding') });

    // The threshold as meant, and the effective date from the date field into the YAML.
    await editRules(page, (t) => t.replace(/value: 3x \}/g, 'value: 3 }'));
    await page.locator('#draft-effective').fill('2026-01-01');
    await page.locator('#draft-effective').dispatchEvent('change');
    expect(await page.locator('#rules-yaml').inputValue()).toContain('effective_from: "2026-01-01"');
    await expect.poll(() => gate(page, 'validate'), { timeout: 20_000 }).toBe('校验：通过');
    await expect.poll(() => gate(page, 'lint'), { timeout: 30_000 }).toMatch(/^检查：0 个错误/);
    // Lint: no test case decides under the draft yet, so its rules are never made to hold — said at the rule's line.
    const coverage = page.locator('.finding-list [data-code="LINT_COVERAGE_RULE"]', { hasText: 'residence_and_livelihood' }).first();
    await coverage.waitFor();
    const ruleLine = Number(await coverage.getAttribute('data-line'));
    expect((await page.locator('#rules-yaml').inputValue()).split('\n')[ruleLine - 1]).toContain('id: residence_and_livelihood');
    await page.screenshot({ path: screenshotPath('editor-02-lint-finding') });

    // Tests: add the cases for the new threshold, then run them with one click.
    await page.getByRole('tab', { name: '测试用例' }).click();
    const tests = page.locator('#tests-yaml');
    await tests.fill((await tests.inputValue()).trimEnd() + '\n' + NEW_CASE.trimStart());
    await page.getByRole('button', { name: '运行测试' }).click();
    const summary = page.locator('[data-panel="tests"] p[data-passed]');
    await summary.waitFor({ timeout: 60_000 });
    expect(await summary.getAttribute('data-failed')).toBe('0');
    expect(await summary.textContent()).toContain('其中 2 个用例按草稿版本决定');
    await expect.poll(() => gate(page, 'tests')).toMatch(/^测试：\d+ 个通过，0 个失败$/);

    // Diff against the version in force, in words.
    await page.getByRole('button', { name: '与现行版本对比' }).click();
    const diff = page.locator('[data-panel="diff"] .diff-list');
    await diff.waitFor();
    expect(await diff.textContent()).toContain('大于或等于 2 → 大于或等于 3');
    expect(await diff.textContent()).toContain('生效日期：（自始） → 2026-01-01');

    // Impact on a generated population (small here to keep the test quick; the page offers 100 000).
    expect(await page.locator('#impact-count').inputValue()).toBe('100000');
    await page.locator('#impact-count').fill('1500');
    await page.getByRole('button', { name: '影响分析' }).click();
    const impact = page.locator('[data-panel="impact"] .impact');
    await impact.waitFor({ timeout: 120_000 });
    expect(await impact.getAttribute('data-records')).toBe('1500');
    expect(await impact.locator('.impact-summary').textContent()).toContain('v1.0.0 → v1.1.0');
    const changed = Number(await impact.getAttribute('data-changed'));
    if (changed > 0) expect(await impact.locator('.impact-rules').textContent()).toContain('residence_and_livelihood');
    await page.screenshot({ path: screenshotPath('editor-03-impact'), fullPage: true });

    // All three gates pass for this very text: publish.
    await expect.poll(() => gate(page, 'lint'), { timeout: 30_000 }).toMatch(/^检查：0 个错误/);
    const publish = page.getByRole('button', { name: '发布' });
    await expect.poll(() => publish.isEnabled(), { timeout: 30_000 }).toBe(true);
    await publish.click();
    const done = page.locator('[data-panel="publish"] p.ok');
    await done.waitFor({ timeout: 60_000 });
    expect(await done.textContent()).toContain('已发布 v1.1.0，自 2026-01-01 起施行');
    await page.locator('.version-table tr[data-version="1.1.0"]').waitFor();
    expect(await page.locator('.version-table tr[data-version="1.1.0"]').textContent()).toContain('经发布（李编辑）');
    await page.screenshot({ path: screenshotPath('editor-04-published'), fullPage: true });

    // Any edit closes the gate again until it is re-checked.
    await page.getByRole('tab', { name: '规则' }).click();
    await editRules(page, (t) => t.replace('version: 1.1.0', 'version: 1.2.0'));
    expect(await publish.isDisabled()).toBe(true);
    expect(problems).toEqual([]);
    await context.close();

    // Caseworkers' decisions either side of the effective date use the right version.
    const facts = { matter: 'residence_and_livelihood', destination_area: 'city_district', destination_locality: 'urban', mover_relation: 'self', housing_type: 'purchased', has_property_certificate: true, housing_let_out: false, employment_kind: 'employee', labour_contract_filed: true, social_insurance_paid: true, work_start_date: '2023-10-01', stable_income_monthly: '300', local_minimum_living_standard: '800' };
    const cases: [string, string, string][] = [
      ['2025-12-31', '1.0.0', 'settle'],
      ['2026-01-01', '1.1.0', 'refuse'],
    ];
    for (const [asOf, version, outcome] of cases) {
      const res = await server.app.inject({ method: 'POST', url: `/v1/rulesets/${RULESET}/evaluate`, headers: { authorization: `Bearer ${KEYS.caseworker}` }, payload: { facts, as_of: asOf } });
      expect(res.statusCode).toBe(200);
      expect({ asOf, version: res.json().decision.ruleset.version, outcome: res.json().decision.outcome.value }).toEqual({ asOf, version, outcome });
    }
  }, 400_000);

  it('does not offer the editor to a caseworker', async () => {
    const { context, page } = await openPage(browser, server.url);
    await signIn(page, server.url, KEYS.caseworker);
    expect(await page.getByRole('link', { name: '规则编辑' }).isVisible()).toBe(false);
    await context.close();
  });
});
