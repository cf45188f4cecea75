import { readFileSync, existsSync } from 'node:fs';
import type { Decision } from '../generated/decision.js';
import type { PreparedRuleSet } from '../load/prepared-rule-set.js';
import type { SourceTexts } from '../load/source-texts.js';
import type { CaseRow } from '../store/case-store.js';
import { withUnit } from '../../web/number-words.js';

/**
 * The decision notice of a case (决定书 / 告知书) as a document: what it says, in
 * the order an administrative decision notice says it. The browser page and the
 * PDF both lay out this one model, so the two never disagree.
 */
export type NoticeKind = 'grant' | 'refusal' | 'pending';

export interface NoticeGround {
  /** What the rule found, in words (a reason, or a failed condition with the applicant's value). */
  readonly text: string;
  /** 《document》clause, e.g. 《居家办公管理制度十篇》篇3 二(二)1. */
  readonly cite: string;
  /** The clause's own words. */
  readonly clause_text: string;
}

export interface Notice {
  readonly kind: NoticeKind;
  readonly title: string;
  readonly number: string;
  readonly case_no: string;
  readonly authority: string;
  readonly applicant: { readonly name: string; readonly id_number: string; readonly phone: string | null };
  readonly matter: string;
  readonly opening: string;
  readonly facts: ReadonlyArray<{ readonly title: string; readonly value: string }>;
  readonly decision: string;
  /** After an override: the machine's outcome and the reason it was corrected. */
  readonly correction: { readonly machine: string; readonly corrected: string; readonly reason: string } | null;
  readonly grounds: readonly NoticeGround[];
  /** 补正告知书: what the applicant must still bring or state. */
  readonly to_bring: readonly string[];
  readonly appeal: string;
  readonly date: string;
  readonly caseworker: string;
}

export interface AuthorityConfig {
  /** 签发机关 as printed above the seal. */
  readonly name?: string;
  /** 文号 prefix, e.g. 某公户准字 → 某公户准字〔2026〕000123号. */
  readonly prefix?: string;
  /** Who hears an administrative reconsideration (行政复议机关). */
  readonly reconsideration?: string;
  /** Which court hears an administrative suit. */
  readonly court?: string;
  readonly reconsideration_days?: number;
  readonly litigation_months?: number;
}

/** ZHIDU_NOTICE_CONFIG: issuing authorities by rule set (and by the rule set's approver output value), with a default. */
export interface NoticeConfig {
  readonly authorities?: Readonly<Record<string, AuthorityConfig>>;
}

export function loadNoticeConfig(file: string | undefined): NoticeConfig {
  if (!file || !existsSync(file)) return {};
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${file}: the notice configuration must be a JSON object`);
  return parsed as NoticeConfig;
}

const CN_DIGITS = '〇一二三四五六七八九';

/** 60 → 六十, 6 → 六, 15 → 十五: how a notice writes a period. */
export function chineseNumber(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 999) return String(n);
  if (n < 10) return CN_DIGITS[n] as string;
  if (n < 100) {
    const t = Math.floor(n / 10);
    const u = n % 10;
    return `${t === 1 ? '' : CN_DIGITS[t]}十${u === 0 ? '' : CN_DIGITS[u]}`;
  }
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  return `${CN_DIGITS[hundreds]}百${rest === 0 ? '' : rest < 10 ? `零${CN_DIGITS[rest]}` : rest < 20 ? `一${chineseNumber(rest)}` : chineseNumber(rest)}`;
}

/** 2026年12月5日, in China Standard Time. */
export function chineseDate(iso: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(new Date(iso));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return `${get('year')}年${get('month')}月${get('day')}日`;
}

type Prop = { title?: string; type?: string; 'x-enum-titles'?: Record<string, string>; 'x-unit'?: string };

function displayValue(prop: Prop | undefined, value: unknown): string {
  if (value === null || value === undefined) return '（未知）';
  if (typeof value === 'boolean') return value ? '是' : '否';
  if (Array.isArray(value)) return value.map((v) => displayValue(prop, v)).join('、') || '（无）';
  const label = prop?.['x-enum-titles']?.[String(value)];
  if (label) return label;
  if (typeof value === 'object') return '（复合值）';
  return withUnit(String(value), prop?.['x-unit']);
}

/**
 * Whether an outcome grants or refuses: a yes/no outcome by its value; a worded one by
 * its words (不予…, 不准予…, 不享受…, 不符合… refuse). Until decisions carry their own
 * outcome kind this is read from the wording the rule set gives.
 */
export function outcomeKind(value: unknown, display: string | null | undefined): 'grant' | 'refusal' {
  if (value === false || value === 'false') return 'refusal';
  if (value === true || value === 'true') return 'grant';
  return /^(不|未|否|驳回|拒绝)/.test((display ?? '').trim()) ? 'refusal' : 'grant';
}

function authorityFor(config: NoticeConfig, rs: PreparedRuleSet, decision: Decision): AuthorityConfig & { name: string } {
  const approver = decision.outputs.approver;
  const a = config.authorities ?? {};
  const approverValue = approver && typeof approver.value === 'string' ? approver.value : undefined;
  const chosen = (approverValue ? a[`${rs.id}/${approverValue}`] : undefined) ?? a[rs.id] ?? a.default ?? {};
  // Without configuration the rule set's own approver output names the authority, as far as the text says.
  const fromRules = approver?.status === 'set' || approver?.status === 'default' ? approver.display : undefined;
  return { ...chosen, name: chosen.name ?? fromRules ?? '（签发机关）' };
}

function clauseText(sources: SourceTexts, c: { file: string; lines: number[]; quote?: string }): string {
  if (c.quote) return c.quote;
  const [from, to] = c.lines;
  const lines = from === undefined ? null : sources.excerpt(c.file, from, to ?? from);
  const text = (lines ?? []).map((l) => l.trim()).join('');
  return text.length > 160 ? `${text.slice(0, 158)}……` : text;
}

/** Failed rules that could have decided the headline for this matter (not those of another matter or frame). */
function failedPathways(decision: Decision, rs: PreparedRuleSet) {
  const inputs = rs.definition.inputs as { required?: string[]; properties?: Record<string, { 'x-selector'?: boolean }> };
  const frame = new Set([...(inputs.required ?? []), ...Object.entries(inputs.properties ?? {}).filter(([, p]) => p['x-selector'] === true).map(([k]) => k)]);
  const setsHeadline = new Set(decision.rules.filter((r) => r.sets.includes(decision.outcome.id)).map((r) => r.id));
  return decision.failed.filter((f) => setsHeadline.has(f.rule) && !f.conditions.some((c) => c.result === 'false' && frame.has(c.fact)));
}

export function buildNotice(input: { row: CaseRow; decision: Decision; ruleset: PreparedRuleSet; sources: SourceTexts; config: NoticeConfig }): Notice {
  const { row, decision, ruleset: rs, sources, config } = input;
  const props = ((rs.definition.inputs as { properties?: Record<string, Prop> }).properties ?? {}) as Record<string, Prop>;
  const given = (decision.facts as { inputs?: Record<string, unknown> }).inputs ?? {};
  // The facts found, in the order the form asks them.
  const facts = Object.keys(props)
    .filter((k) => given[k] !== undefined)
    .map((k) => ({ title: props[k]?.title ?? k, value: displayValue(props[k], given[k]) }));
  const authority = authorityFor(config, rs, decision);
  const document = `《${rs.definition.source.document}》`;
  const cite = (c: { clause: string }) => `${document}${c.clause}`;
  const machineWords = decision.status === 'undetermined' ? '尚缺事实，待补正' : (decision.outcome.display ?? displayValue(undefined, decision.outcome.value));
  const overridden = row.override_outcome !== null;
  const kind: NoticeKind = overridden
    ? outcomeKind(row.override_outcome, row.override_display)
    : decision.status === 'undetermined'
      ? 'pending'
      : outcomeKind(decision.outcome.value, decision.outcome.display);
  const grounds: NoticeGround[] =
    kind === 'refusal' && !overridden
      ? failedPathways(decision, rs).map((f) => {
          const failing = f.conditions.filter((c) => c.result === 'false');
          const words = failing.map((c) => `${c.text}，申请人为“${c.actual_display ?? displayValue(props[c.fact], c.actual)}”`).join('；');
          return { text: `${f.title}：${words || '条件未满足'}`, cite: cite(f.citation), clause_text: clauseText(sources, f.citation) };
        })
      : decision.reasons.filter((r) => r.holds).map((r) => ({ text: r.text, cite: cite(r.citation), clause_text: clauseText(sources, r.citation) }));
  const days = authority.reconsideration_days ?? 60;
  const months = authority.litigation_months ?? 6;
  const title = kind === 'pending' ? '补正告知书' : kind === 'refusal' ? '不予许可决定书' : '准予许可决定书';
  const issued = row.override_at ?? row.submitted_at ?? row.updated_at;
  const year = row.case_no.slice(0, 4);
  const serial = row.case_no.slice(5);
  const submittedOn = chineseDate(row.created_at);
  const decisionWords = overridden ? (row.override_display ?? '') : machineWords;
  return {
    kind,
    title,
    number: `${authority.prefix ?? ''}〔${year}〕${serial}号`,
    case_no: row.case_no,
    authority: authority.name,
    applicant: { name: row.applicant_name, id_number: row.applicant_id_number, phone: row.applicant_phone },
    matter: rs.title,
    opening:
      kind === 'pending'
        ? `你于${submittedOn}提出的“${rs.title}”申请，经审查，申请材料尚不齐全。请按下列事项补正：`
        : `你于${submittedOn}提出的“${rs.title}”申请，本机关已依法审查。经审查查明：`,
    facts,
    decision:
      kind === 'pending'
        ? '请于补正后重新提交；补正前本机关暂不作出决定。'
        : kind === 'refusal'
          ? `本机关决定：不予许可（${decisionWords}）。`
          : `本机关决定：准予许可（${decisionWords}）。`,
    correction: overridden ? { machine: machineWords, corrected: row.override_display ?? '', reason: row.override_reason ?? '' } : null,
    grounds,
    to_bring: kind === 'pending' ? decision.missing.map((m) => m.title) : [],
    appeal:
      kind === 'pending'
        ? '补正告知不是最终决定；对本机关最终作出的决定不服的，可依法申请行政复议或者提起行政诉讼。'
        : `如不服本决定，可以自收到本决定书之日起${chineseNumber(days)}日内向${authority.reconsideration ?? '本机关的上一级主管部门或者本级人民政府'}申请行政复议，或者自收到本决定书之日起${chineseNumber(months)}个月内依法向${authority.court ?? '有管辖权的人民法院'}提起行政诉讼。`,
    date: chineseDate(issued),
    caseworker: row.caseworker,
  };
}
