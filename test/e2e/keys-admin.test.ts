import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { KEYS, launchBrowser, openPage, poll, screenshotPath, signIn, startServer, type TestServer } from './harness.js';

// An admin manages keys in the browser: create one for a caseworker (shown once),
// the caseworker signs in with it, the admin revokes it, and it stops working.
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer(['test/fixtures/good/committee-subsidy.yaml']);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('keys and accounts page (admin)', () => {
  it('creates a key shown once, which signs the new caseworker in, and revokes it', async () => {
    const { context, page, problems } = await openPage(browser, server.url);
    await signIn(page, server.url, KEYS.admin);
    await page.getByRole('link', { name: '密钥与账户' }).click();
    await page.getByRole('heading', { level: 1, name: '密钥与账户' }).waitFor();
    await expect(page.locator('.keys-table tbody tr').count()).resolves.toBe(5);

    await page.getByLabel('姓名或系统名称').fill('赵六');
    await page.getByLabel('角色').selectOption('caseworker');
    await page.getByRole('button', { name: '创建密钥' }).click();
    const shown = page.locator('.key-created .key-value');
    await shown.waitFor();
    const key = (await shown.textContent()) ?? '';
    expect(key).toMatch(/^zhidu_/);
    await expect(page.locator('.key-created h2').textContent()).resolves.toBe('已为「赵六」（经办人）创建密钥');
    await poll(() => page.locator('.keys-table tbody tr[data-key="赵六"] td').nth(1).textContent()).toBe('经办人');
    await page.screenshot({ path: screenshotPath('keys-created'), fullPage: true });
    // Nothing on the page is in English or shows a hash.
    const text = (await page.locator('main').innerText()).replace(key, '');
    expect(text).not.toMatch(/[A-Za-z]{3,}/);

    // A taken name is refused in Chinese, at the form.
    await page.getByLabel('姓名或系统名称').fill('赵六');
    await page.getByRole('button', { name: '创建密钥' }).click();
    await expect(page.locator('.key-form .error').textContent()).resolves.toContain('已有密钥');

    // The new caseworker signs in with the key.
    const other = await openPage(browser, server.url);
    await signIn(other.page, server.url, key);
    await expect(other.page.locator('#who-text').textContent()).resolves.toBe('经办人：赵六');
    await expect(other.page.getByRole('link', { name: '密钥与账户' }).isVisible()).resolves.toBe(false);
    await other.context.close();

    page.once('dialog', (d) => d.accept());
    await page.locator('.keys-table tbody tr[data-key="赵六"] button', { hasText: '吊销' }).click();
    await poll(() => page.locator('.keys-table tbody tr[data-key="赵六"]').count()).toBe(0);
    const res = await server.app.inject({ method: 'GET', url: '/v1/whoami', headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode).toBe(401);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('is not offered to a caseworker, and the API refuses it', async () => {
    const { context, page } = await openPage(browser, server.url);
    await signIn(page, server.url, KEYS.caseworker);
    await expect(page.getByRole('link', { name: '密钥与账户' }).isVisible()).resolves.toBe(false);
    const res = await server.app.inject({ method: 'GET', url: '/v1/keys', headers: { authorization: `Bearer ${KEYS.caseworker}` } });
    expect(res.statusCode).toBe(403);
    await context.close();
  });
});
