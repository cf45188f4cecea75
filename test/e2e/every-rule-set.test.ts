import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { findRuleFiles } from '../../src/index.js';
import { KEYS, REPO, RESULTS, launchBrowser, openPage, screenshotPath, signIn, startServer, decide, askedFacts, recordDecision, type TestServer } from './harness.js';

// From empty form to printed notice for every rule set in rules/ that has an example
// applicant in docs/examples (named as test/rule-examples.test.ts names them).
const AS_OF = '2024-01-01';
const ruleFiles = findRuleFiles(join(REPO, 'rules')).map((f) => f.slice(REPO.length + 1));
const examples = readdirSync(join(REPO, 'docs', 'examples')).filter((f) => f.endsWith('.json'));

let server: TestServer;
let browser: Browser;
let rulesets: Array<{ id: string; title: string; inputs: { required?: string[] } }> = [];

beforeAll(async () => {
  server = await startServer(ruleFiles);
  browser = await launchBrowser();
  const res = await server.app.inject({ url: '/v1/rulesets', headers: { authorization: `Bearer ${KEYS.caseworker}` } });
  for (const r of res.json().rulesets as Array<{ id: string }>) {
    const detail = (await server.app.inject({ url: `/v1/rulesets/${r.id}`, headers: { authorization: `Bearer ${KEYS.caseworker}` } })).json();
    const v = detail.versions.find((x: { in_force: boolean }) => x.in_force) ?? detail.versions.at(-1);
    rulesets.push({ id: r.id, title: v.title, inputs: v.inputs });
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function rulesetFor(file: string) {
  const name = basename(file, '.json');
  const exact = rulesets.filter((r) => name === r.id || name.startsWith(`${r.id}-`)).sort((a, b) => b.id.length - a.id.length)[0];
  const short = rulesets.filter((r) => name.startsWith(`${r.id.split('-')[0]}-`));
  return exact ?? (short.length === 1 ? short[0] : undefined);
}

describe('every rule set with an example applicant', () => {
  it('has examples to try', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  for (const file of examples) {
    it(`${file}: asked question by question, decided as the API decides the whole case, printed on one A4 page`, async () => {
      const rs = rulesetFor(file);
      expect(rs, `no rule set for ${file}`).toBeDefined();
      const facts = JSON.parse(readFileSync(join(REPO, 'docs', 'examples', file), 'utf8')) as Record<string, unknown>;
      const whole = (
        await server.app.inject({
          method: 'POST',
          url: `/v1/rulesets/${rs!.id}/evaluate`,
          headers: { authorization: `Bearer ${KEYS.caseworker}`, 'content-type': 'application/json' },
          payload: JSON.stringify({ facts, as_of: AS_OF }),
        })
      ).json();
      expect(whole.decision.status).toBe('decided');
      const expected = `${whole.decision.outcome.title}：${whole.decision.outcome.display ?? String(whole.decision.outcome.value)}`;

      const { context, page, problems } = await openPage(browser, server.url);
      await signIn(page, server.url, KEYS.caseworker);
      await page.getByRole('link', { name: rs!.title, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: rs!.title }).waitFor();
      await page.getByLabel('决定日期').fill(AS_OF);
      const { outcome } = await decide(page, rs!.inputs.required ?? [], facts);
      expect(outcome).toBe(expected);
      // Whatever the app still asks for is something this applicant cannot tell (an example
      // may leave an amount open); everything it asked that the applicant knows was answered.
      const stillAsked = await askedFacts(page);
      expect(stillAsked.filter((f) => f in facts)).toEqual([]);
      expect(stillAsked).toEqual(whole.decision.missing.map((m: { fact: string }) => m.fact));
      const name = basename(file, '.json');
      await page.screenshot({ path: screenshotPath(`every-${name}-decided`), fullPage: true });

      await recordDecision(page);
      await page.getByRole('link', { name: '打印决定书' }).click();
      await page.locator('.notice-doc').waitFor();
      expect(await page.locator('[data-testid="notice-outcome"]').textContent()).toBe(expected);
      const fit = Number(await page.locator('.notice-doc').getAttribute('data-fit'));
      // Printed at (nearly) full size: scaling is a safety net, not the layout.
      expect(fit, `${file}: notice scaled to fit`).toBeGreaterThanOrEqual(0.85);
      await page.emulateMedia({ media: 'print' });
      await page.screenshot({ path: screenshotPath(`every-${name}-notice`), fullPage: true });
      const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true });
      writeFileSync(join(RESULTS, `every-${name}-notice.pdf`), pdf);
      expect((pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length, `${file}: notice pages`).toBe(1);
      expect(problems).toEqual([]);
      await context.close();
    });
  }
});
