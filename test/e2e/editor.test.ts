import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { KEYS, launchBrowser, openPage, screenshotPath, signIn, startServer, type TestServer } from './harness.js';

// The policy editor's page in a real browser, on the committee-staffing rules (issue #12's
// scenario): see validation and lint at their lines as it is typed, date the draft from 2026
// (its own tests then run against it, with no false "uncovered" alarms), run the tests, see
// the diff and the impact, publish, and then decisions either side of the effective date use
// the right version.
const RULESET = 'committee-staffing';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer(['rules/committee-staffing.yaml', 'rules/committee-staffing.test.yaml']);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const MIDDLE_BAND = '- { fact: residents, operator: greaterThanInclusive, value: 5000 }';

async function editRules(page: Page, edit: (text: string) => string) {
  const area = page.locator('#rules-yaml');
  const text = await area.inputValue();
  await area.fill(edit(text));
}

async function gate(page: Page, name: string) {
  return (await page.locator(`.gate-list [data-gate="${name}"]`).textContent()) ?? '';
}

describe('the rule editor (committee-staffing)', () => {
  it('edits a draft, shows findings at their lines, runs the tests, diff and impact, and publishes with an effective date', async () => {
    const { context, page, problems } = await openPage(browser, server.url);
    await signIn(page, server.url, KEYS.editor);
    await page.getByRole('link', { name: '规则编辑' }).click();
    await page.getByRole('heading', { level: 1, name: '规则编辑' }).waitFor();
    await page.locator(`[data-ruleset="${RULESET}"] a`).click();
    await page.getByRole('heading', { level: 1, name: /^编辑规则集：社区居委会职数/ }).waitFor();
    await expect.poll(() => gate(page, 'validate'), { timeout: 20_000 }).toBe('校验：通过');
    await expect.poll(() => gate(page, 'lint'), { timeout: 30_000 }).toMatch(/^检查：0 个错误/);
    expect(await page.locator('#draft-version').inputValue()).toBe('1.1.0');
    expect(await page.getByRole('button', { name: '发布' }).isDisabled()).toBe(true);
    // The highlighting is the page's own: keys, strings and numbers in their spans.
    expect(await page.locator('.code-layer .tok-key').first().textContent()).toBe('id');

    // Typing an operator from another rule language: the finding appears at its line, with the word meant.
    await editRules(page, (t) => t.replace(MIDDLE_BAND, MIDDLE_BAND.replace('greaterThanInclusive', 'greaterThanOrEqual')));
    const line = (await page.locator('#rules-yaml').inputValue()).split('\n').findIndex((l) => l.includes('greaterThanOrEqual')) + 1;
    await expect.poll(() => gate(page, 'validate'), { timeout: 20_000 }).toMatch(/^校验：\d+ 个错误/);
    const bad = page.locator(`.finding-list .finding-error[data-line="${line}"]`).first();
    await bad.waitFor();
    expect(await bad.textContent()).toContain('是否要写 greaterThanInclusive？');
    expect(await page.locator(`.code-gutter .gutter-line.mark-error[data-line="${line}"]`).count()).toBe(1);
    await page.screenshot({ path: screenshotPath('editor-01-validation-finding') });

    // The operator as meant, a new title, and the effective date from the date field into the YAML.
    await editRules(page, (t) => t.replace('greaterThanOrEqual', 'greaterThanInclusive').replace('title: 5000人至8000人的社区：4人（1名副主任）', 'title: 5000人至8000人（含两端）的社区：4人（1名副主任）'));
    await page.locator('#draft-effective').fill('2026-01-01');
    await page.locator('#draft-effective').dispatchEvent('change');
    expect(await page.locator('#rules-yaml').inputValue()).toContain('effective_from: "2026-01-01"');
    await expect.poll(() => gate(page, 'validate'), { timeout: 20_000 }).toBe('校验：通过');
    await expect.poll(() => gate(page, 'lint'), { timeout: 30_000 }).toMatch(/^检查：0 个错误/);
    // No false alarm: the tests run against the draft on its dates, so its rules are covered.
    expect(await page.locator('.finding-list .finding-warning[data-code="LINT_COVERAGE_RULE"]').count()).toBe(0);
    await page.screenshot({ path: screenshotPath('editor-02-lint') });

    // Tests, with one click: every case decided by the draft.
    await page.getByRole('button', { name: '运行测试' }).click();
    const summary = page.locator('[data-panel="tests"] p[data-passed]');
    await summary.waitFor({ timeout: 60_000 });
    expect(await summary.getAttribute('data-failed')).toBe('0');
    expect(await summary.textContent()).toContain('23 个用例通过，0 个失败；其中 19 个用例按草稿版本决定');
    await expect.poll(() => gate(page, 'tests')).toMatch(/^测试：\d+ 个通过，0 个失败$/);

    // Diff against the version it started from, in words.
    await page.getByRole('button', { name: '与底稿 v1.0.0 对比' }).click();
    const diff = page.locator('[data-panel="diff"] .diff-list');
    await diff.waitFor();
    expect(await diff.textContent()).toContain('生效日期：（自始） → 2026-01-01');

    // Impact on a generated population (small here to keep the test quick; the page offers 100 000).
    expect(await page.locator('#impact-count').inputValue()).toBe('100000');
    await page.locator('#impact-count').fill('1500');
    await page.getByRole('button', { name: '影响分析' }).click();
    const impact = page.locator('[data-panel="impact"] .impact');
    await impact.waitFor({ timeout: 120_000 });
    expect(await impact.getAttribute('data-records')).toBe('1500');
    expect(await impact.locator('.impact-summary').textContent()).toContain('v1.0.0 → v1.1.0');
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
    await editRules(page, (t) => t.replace('version: 1.1.0', 'version: 1.2.0'));
    expect(await publish.isDisabled()).toBe(true);
    expect(problems).toEqual([]);
    await context.close();

    // Caseworkers' decisions either side of the effective date use the right version.
    const cases: [string, string][] = [
      ['2025-12-31', '1.0.0'],
      ['2026-01-01', '1.1.0'],
    ];
    for (const [asOf, version] of cases) {
      const res = await server.app.inject({ method: 'POST', url: `/v1/rulesets/${RULESET}/evaluate`, headers: { authorization: `Bearer ${KEYS.caseworker}` }, payload: { facts: { residents: 6000 }, as_of: asOf } });
      expect(res.statusCode).toBe(200);
      expect({ asOf, version: res.json().decision.ruleset.version, outcome: res.json().decision.outcome.value }).toEqual({ asOf, version, outcome: 4 });
    }
  }, 400_000);

  it('does not offer the editor to a caseworker', async () => {
    const { context, page } = await openPage(browser, server.url);
    await signIn(page, server.url, KEYS.caseworker);
    expect(await page.getByRole('link', { name: '规则编辑' }).isVisible()).toBe(false);
    await context.close();
  });
});
