import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Locator } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { buildApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { hashKey } from '../../server/api-keys.js';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const RESULTS = join(REPO, 'test-results');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const KEYS = {
  caseworker: 'test-caseworker-key-0001',
  editor: 'test-editor-key-0002',
  system: 'test-system-key-0003',
  admin: 'test-admin-key-0004',
  /** A second editor: the other pair of eyes. */
  editor2: 'test-editor-key-0005',
};

export interface TestServer {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * The real server (buildApp, embedded database in a temp data dir, pre-seeded keys),
 * serving only the given rule files, listening on a random port.
 */
export async function startServer(ruleFiles: string[], extraRules: Record<string, string> = {}, env: Record<string, string> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'zhidu-e2e-'));
  const rulesDir = join(dir, 'rules');
  mkdirSync(rulesDir);
  for (const f of ruleFiles) copyFileSync(resolve(REPO, f), join(rulesDir, basename(f)));
  for (const [name, text] of Object.entries(extraRules)) writeFileSync(join(rulesDir, name), text);
  const keysFile = join(dir, 'keys.json');
  writeFileSync(
    keysFile,
    JSON.stringify({
      keys: [
        { name: '张经办', role: 'caseworker', sha256: hashKey(KEYS.caseworker) },
        { name: '李编辑', role: 'editor', sha256: hashKey(KEYS.editor) },
        { name: '对接系统', role: 'system', sha256: hashKey(KEYS.system) },
        { name: '王管理', role: 'admin', sha256: hashKey(KEYS.admin) },
        { name: '赵编辑', role: 'editor', sha256: hashKey(KEYS.editor2) },
      ],
    }),
  );
  // An explicit environment: the browser tests always use their own embedded database,
  // whatever DATABASE_URL the surrounding run has.
  const config = loadConfig(
    { ZHIDU_RULES_DIR: rulesDir, ZHIDU_SOURCES_DIR: join(REPO, 'rules', 'sources'), ZHIDU_DATA_DIR: join(dir, 'data'), ZHIDU_KEYS_FILE: keysFile, ...env },
    { port: 0, host: '127.0.0.1' },
  );
  const app = await buildApp(config);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: address,
    app,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: run \`apt-get install -y chromium\` or set CHROMIUM_PATH (the browser tests never download a browser)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** A fresh page that fails the test on any script error or request to another origin. */
export async function openPage(browser: Browser, base: string, viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  const origin = new URL(base).origin;
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(origin) || u.startsWith('data:') || u.startsWith(`blob:${origin}`)) return route.continue();
    problems.push(`request to another origin: ${u}`);
    return route.abort();
  });
  return { context, page, problems };
}

export function screenshotPath(name: string): string {
  mkdirSync(RESULTS, { recursive: true });
  return join(RESULTS, `${name}.png`);
}

export async function signIn(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('API 密钥').fill(key);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('heading', { level: 1, name: '选择规则集' }).waitFor();
}

/** The question for one fact, whatever control the form chose for it. */
export function factField(page: Page, fact: string): Locator {
  return page.locator(`form.fact-form .field[data-fact="${fact}"]`);
}

export async function answer(page: Page, fact: string, value: unknown): Promise<void> {
  const field = factField(page, fact);
  await field.waitFor({ state: 'visible' });
  const tag = await field.evaluate((el) => el.tagName);
  const text = String(value);
  if (tag === 'FIELDSET') {
    await field.locator(`input[type=radio][value="${text}"]`).check();
  } else if ((await field.locator('select').count()) > 0) {
    await field.locator('select').selectOption(text);
  } else {
    await field.locator('input').fill(text);
  }
}

export async function evaluate(page: Page): Promise<string> {
  const before = await page.locator('.result').getAttribute('data-seq');
  await page.getByRole('button', { name: '评估', exact: true }).click();
  await page.waitForFunction((prev) => {
    const r = document.querySelector<HTMLElement>('.result');
    return r && !r.hidden && r.getAttribute('data-seq') !== prev;
  }, before);
  return (await page.locator('.result .outcome-line').first().textContent()) ?? '';
}

/** 记录此决定 under a preview: the decision goes into the log; returns its id as the page shows it. */
export async function recordDecision(page: Page): Promise<string> {
  await page.getByTestId('record-decision').click();
  const id = page.locator('.result .decision-id');
  await id.waitFor();
  return (await id.textContent()) ?? '';
}

/** Facts the page asks for, in its order. */
export async function askedFacts(page: Page): Promise<string[]> {
  return page.locator('form.fact-form .needed-list li').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.fact ?? ''));
}

/**
 * Take an applicant through the form as a caseworker would: answer the required
 * questions, evaluate, then answer what the app asks for, in its order, until decided.
 */
export async function decide(page: Page, required: string[], facts: Record<string, unknown>): Promise<{ outcome: string; asked: string[][] }> {
  for (const f of required) if (f in facts) await answer(page, f, facts[f]);
  const asked: string[][] = [];
  let outcome = await evaluate(page);
  for (let round = 0; round < 50; round += 1) {
    const missing = await askedFacts(page);
    if (missing.length === 0) break;
    asked.push(missing);
    const next = missing.find((f) => f in facts);
    if (!next) break; // the applicant cannot tell: the decision stays undetermined
    await answer(page, next, facts[next]);
    outcome = await evaluate(page);
  }
  return { outcome, asked };
}

/** expect.poll with room for a loaded machine (its default gives up after one second). */
export function poll<T>(fn: () => Promise<T> | T) {
  return expect.poll(fn, { timeout: 15_000, interval: 100 });
}
