import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { KEYS, launchBrowser, openPage, screenshotPath, signIn, startServer, type TestServer } from './harness.js';

// Impact as a job on the editor page: a million simulated applicants start at once with a
// progress bar (records, rate, time left) and can be cancelled; a smaller run finishes with
// its report, and past runs are listed and reopened from the database.
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

describe('impact jobs on the editor page', () => {
  it('shows progress, cancels a running job, finishes another and reopens its report', async () => {
    const { context, page, problems } = await openPage(browser, server.url);
    await signIn(page, server.url, KEYS.editor);
    await page.goto(`${server.url}/#/edit/${RULESET}`);
    await page.getByRole('heading', { level: 1, name: /^编辑规则集/ }).waitFor();

    await page.locator('#impact-count').fill('1000000');
    await page.getByRole('button', { name: '影响分析' }).click();
    const job = page.locator('[data-panel="impact"] .impact-job');
    await job.waitFor({ timeout: 30_000 });
    // Under way: some records decided, the bar and the words say how many, how fast, how long still.
    await expect.poll(async () => Number(await job.getAttribute('data-done')), { timeout: 120_000 }).toBeGreaterThan(0);
    expect(await job.getAttribute('data-status')).toBe('running');
    expect(await job.locator('.impact-progress-text').textContent()).toMatch(/^已决定 [\d,]+ \/ 1,000,000 人，[\d,]+ 人\/秒，剩余约 /);
    expect(await job.locator('progress').getAttribute('max')).toBe('1000000');
    await job.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('impact-job-01-progress') });

    await job.getByRole('button', { name: '取消' }).click();
    await expect.poll(() => job.getAttribute('data-status'), { timeout: 60_000 }).toBe('cancelled');
    expect(await job.locator('.impact-progress-text').textContent()).toMatch(/^已取消：取消前已决定 [\d,]+ 人，没有报告。$/);
    await job.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('impact-job-02-cancelled') });

    // A draft that lowers the 5000-resident band to 4000: some communities get one more position.
    const area = page.locator('#rules-yaml');
    await area.fill((await area.inputValue()).replace('- { fact: residents, operator: greaterThanInclusive, value: 5000 }', '- { fact: residents, operator: greaterThanInclusive, value: 4000 }').replace('- { fact: residents, operator: lessThan, value: 5000 }', '- { fact: residents, operator: lessThan, value: 4000 }'));
    await page.locator('#impact-count').fill('2000');
    await page.getByRole('button', { name: '影响分析' }).click();
    const report = page.locator('[data-panel="impact"] .impact');
    await report.waitFor({ timeout: 120_000 });
    expect(await report.getAttribute('data-records')).toBe('2000');
    expect(Number(await report.getAttribute('data-changed'))).toBeGreaterThan(0);
    // The distribution of changes, drawn in the page; samples in words, not JSON.
    expect(await report.locator('svg.impact-chart rect[data-change]').count()).toBeGreaterThan(0);
    expect(await report.locator('.impact-case').first().textContent()).not.toContain('{"');
    await report.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('impact-job-05-report'), fullPage: true });

    // Both runs are listed, newest first; the finished one reopens its kept report.
    const rows = page.locator('.impact-history tbody tr');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(2);
    expect(await rows.nth(0).getAttribute('data-status')).toBe('done');
    expect(await rows.nth(1).getAttribute('data-status')).toBe('cancelled');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: /^编辑规则集/ }).waitFor();
    await page.locator('.impact-history tbody tr[data-status="done"] button').click();
    const reopened = page.locator('[data-panel="impact"] .impact');
    await reopened.waitFor({ timeout: 30_000 });
    expect(await reopened.getAttribute('data-records')).toBe('2000');
    await page.screenshot({ path: screenshotPath('impact-job-03-reopened'), fullPage: true });

    // Real records instead: a CSV with a bad cell is refused with its row and column; fixed, it runs.
    await page.locator('#impact-source').selectOption('upload');
    await page.locator('#impact-file').setInputFiles({ name: '社区.csv', mimeType: 'text/csv', buffer: Buffer.from('residents,actual_members\n4999,3\n七千,4\n') });
    await page.getByRole('button', { name: '影响分析' }).click();
    const rowProblem = page.locator('[data-panel="impact"] .upload-problems li[data-row="3"]');
    await rowProblem.waitFor({ timeout: 30_000 });
    expect(await rowProblem.textContent()).toBe('第 3 行第 1 列（residents）：“社区居民人数”应为数字，实际为“七千”');
    await page.screenshot({ path: screenshotPath('impact-job-04-upload-errors') });
    await page.locator('#impact-file').setInputFiles({ name: '社区.csv', mimeType: 'text/csv', buffer: Buffer.from('residents,actual_members\n4999,3\n7000,4\n') });
    await page.getByRole('button', { name: '影响分析' }).click();
    const uploaded = page.locator('[data-panel="impact"] .impact');
    await uploaded.waitFor({ timeout: 60_000 });
    expect(await uploaded.getAttribute('data-records')).toBe('2');
    expect(problems).toEqual([]);
    await context.close();
  }, 400_000);
});
