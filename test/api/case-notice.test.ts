import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { as, startTestApp, stopTestApp, type TestServer } from './harness.js';
import { matchesSchema } from './response-schemas.js';
import { chineseNumber } from '../../src/cases/notice.js';

// The notice of a case on the settlement rules: a refusal with every ground, the same
// after an override (corrected outcome beside the machine's), a pending case's 补正告知书;
// the PDF read back as text.
const refused = JSON.parse(readFileSync('docs/examples/hukou-refused.json', 'utf8')) as Record<string, unknown>;
const applicant = { name: '李秀英', id_number: '11010519491231002X', phone: '13812345678' };

async function pdfText(data: Buffer): Promise<{ pages: number; text: string }> {
  const pdf = await getDocument({ data: new Uint8Array(data), useSystemFonts: false, isEvalSupported: false }).promise;
  let text = '';
  for (let i = 1; i <= pdf.numPages; i++) {
    const content = await (await pdf.getPage(i)).getTextContent();
    text += content.items.map((it) => ('str' in it ? it.str : '')).join('') + '\n';
  }
  return { pages: pdf.numPages, text };
}

describe('case notice (决定书 / 告知书)', () => {
  let server: TestServer;
  let noticeConfig: string;
  beforeAll(async () => {
    const rules = mkdtempSync(join(tmpdir(), 'zhidu-notice-'));
    copyFileSync('rules/hukou-settlement.yaml', join(rules, 'hukou-settlement.yaml'));
    noticeConfig = join(rules, 'notice.json');
    writeFileSync(noticeConfig, JSON.stringify({ authorities: { 'hukou-settlement/city_psb': { name: '某市公安局', prefix: '某公户', reconsideration: '某市人民政府', court: '某市某区人民法院', reconsideration_days: 60, litigation_months: 6 } } }));
    server = await startTestApp({ rulesDir: rules, env: { ZHIDU_NOTICE_CONFIG: noticeConfig } });
    // Room for a slow start of the embedded database on a loaded machine.
  }, 180_000);
  afterAll(async () => stopTestApp(server));

  const call = (method: string, url: string, payload?: unknown, role: 'caseworker' | 'editor' = 'caseworker') =>
    server.app.inject(as(role, { method: method as 'GET', url, ...(payload !== undefined ? { payload: payload as object } : {}) }));

  async function submitted(facts: Record<string, unknown>): Promise<{ id: string; case_no: string }> {
    const c = (await call('POST', '/v1/cases', { ruleset: 'hukou-settlement', applicant })).json() as { id: string; case_no: string };
    const s = await call('POST', `/v1/cases/${c.id}/submit`, { facts, as_of: '2025-06-01' });
    expect(s.statusCode, s.body).toBe(200);
    return c;
  }

  it('a refusal is a 不予许可决定书 with 文号, applicant, facts in form order, every ground by 篇/条 with its text, authority, appeal, seal area', async () => {
    const c = await submitted(refused);
    const res = await call('GET', `/v1/cases/${c.id}/notice`);
    expect(res.statusCode, res.body).toBe(200);
    const n = res.json() as Record<string, any>;
    expect(matchesSchema('Notice', n)).toEqual([]);
    expect(n).toMatchObject({ kind: 'refusal', title: '不予许可决定书', authority: '某市公安局', number: `某公户〔${c.case_no.slice(0, 4)}〕${c.case_no.slice(5)}号`, applicant });
    expect(n.facts.map((f: { title: string }) => f.title).slice(0, 3)).toEqual(['办理事项', '迁入地所属区域', '迁入地类型']);
    expect(n.grounds.length).toBeGreaterThanOrEqual(3);
    for (const g of n.grounds) {
      expect(g.cite).toMatch(/^《居家办公管理制度十篇》篇3 /);
      expect(g.clause_text.length).toBeGreaterThan(5);
      expect(Object.values(g).join('')).not.toMatch(/\.txt|[a-z]+_[a-z]+/);
    }
    expect(n.appeal).toContain('六十日内向某市人民政府申请行政复议');
    expect(n.appeal).toContain('六个月内依法向某市某区人民法院提起行政诉讼');

    const pdf = await call('GET', `/v1/cases/${c.id}/notice.pdf`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const { text, pages } = await pdfText(pdf.rawPayload);
    for (const s of ['不予许可决定书', '某市公安局', `某公户〔${c.case_no.slice(0, 4)}〕${c.case_no.slice(5)}号`, '李秀英', '11010519491231002X', '落户条件', '查明的事实', '不予许可的理由及依据', '篇3 二(二)1', '申请行政复议', '提起行政诉讼', '盖章处']) {
      expect(text.replace(/\s+/g, ''), s).toContain(s.replace(/\s+/g, ''));
    }
    expect(text).not.toContain('.txt');
    // The settlement refusal fits one A4 page.
    expect(pages).toBe(1);
  });

  it('after an override the notice grants, with the machine outcome and the reason beside it', async () => {
    const c = await submitted(refused);
    await call('POST', `/v1/cases/${c.id}/override`, { outcome: 'settle', reason: '已补交房屋产权证，经核实住所条件满足' });
    const n = (await call('GET', `/v1/cases/${c.id}/notice`)).json() as Record<string, any>;
    expect(n).toMatchObject({ kind: 'grant', title: '准予许可决定书', decision: '本机关决定：准予许可（准予落户（迁入））。' });
    expect(n.correction).toEqual({ machine: '不予办理（不符合落户或恢复户口条件）', corrected: '准予落户（迁入）', reason: '已补交房屋产权证，经核实住所条件满足' });
    const { text } = await pdfText((await call('GET', `/v1/cases/${c.id}/notice.pdf`)).rawPayload);
    const flat = text.replace(/\s+/g, '');
    expect(flat).toContain('准予许可决定书');
    expect(flat).toContain('系统审核结论为“不予办理');
    expect(flat).not.toContain('不予许可决定书');
  });

  it('a pending case gets a 补正告知书 listing what to bring; a draft has none; editors may not read it', async () => {
    const c = await submitted({ matter: 'residence_and_livelihood' });
    const n = (await call('GET', `/v1/cases/${c.id}/notice`)).json() as Record<string, any>;
    expect(n).toMatchObject({ kind: 'pending', title: '补正告知书' });
    expect(n.to_bring.length).toBeGreaterThan(0);
    expect(n.to_bring).toContain('迁入地所属区域');
    const { text } = await pdfText((await call('GET', `/v1/cases/${c.id}/notice.pdf`)).rawPayload);
    const flat = text.replace(/\s+/g, '');
    expect(flat).toContain('补正告知书');
    expect(flat).toContain('需补正的事项1.迁入地所属区域');
    const draft = (await call('POST', '/v1/cases', { ruleset: 'hukou-settlement', applicant })).json() as { id: string };
    expect((await call('GET', `/v1/cases/${draft.id}/notice`)).json()).toMatchObject({ code: 'CASE_STATE' });
    expect((await call('GET', `/v1/cases/${c.id}/notice.pdf`, undefined, 'editor')).statusCode).toBe(403);
  });

  it('says which font is missing instead of failing obscurely', { timeout: 180_000 }, async () => {
    const other = await startTestApp({ rulesDir: 'test/fixtures/good', env: { ZHIDU_NOTICE_FONT: '/nonexistent/font.ttf' } });
    try {
      const c = (await other.app.inject(as('caseworker', { method: 'POST', url: '/v1/cases', payload: { ruleset: 'committee-subsidy-example', applicant } }))).json() as { id: string };
      await other.app.inject(as('caseworker', { method: 'POST', url: `/v1/cases/${c.id}/submit`, payload: { facts: { role: 'member' } } }));
      const r = await other.app.inject(as('caseworker', { method: 'GET', url: `/v1/cases/${c.id}/notice.pdf` }));
      expect(r.statusCode).toBe(503);
      expect(r.json()).toMatchObject({ code: 'NOTICE_FONT_MISSING', title: expect.stringContaining('/nonexistent/font.ttf') });
    } finally {
      await stopTestApp(other);
    }
  });

  it('writes periods as a notice does', () => {
    expect([6, 10, 15, 60, 90, 180].map(chineseNumber)).toEqual(['六', '十', '十五', '六十', '九十', '一百八十']);
  });
});
