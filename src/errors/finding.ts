import { ERRORS, formatMessage, formatPhrase, type ErrorCode, type MessageParams, type Phrase } from './catalogue.js';

export type Severity = 'error' | 'warning' | 'info';

/** A problem found in a file, located at file:line:column (1-based). */
export interface Finding {
  readonly code: ErrorCode | string;
  readonly severity: Severity;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** JSON pointer of the offending node inside the document. */
  readonly pointer: string;
  readonly key?: string;
  readonly expected?: string;
  readonly found?: string;
  /** zh-CN message for policy staff. */
  readonly message: string;
  readonly message_en: string;
  /** Rule ids concerned (lint findings). */
  readonly rules?: readonly string[];
  /** The allowed value nearest to what was written (did you mean). */
  readonly suggestion?: string;
}

export interface Location {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly pointer: string;
}

function paramText(v: string | number | Phrase): string {
  return typeof v === 'object' ? formatPhrase(v) : String(v);
}

export function finding(code: ErrorCode, at: Location, params: MessageParams = {}, severity: Severity = 'error'): Finding {
  return {
    code,
    severity,
    ...at,
    ...(params.key !== undefined ? { key: paramText(params.key) } : {}),
    ...(params.expected !== undefined ? { expected: paramText(params.expected) } : {}),
    ...(params.found !== undefined ? { found: paramText(params.found) } : {}),
    message: formatMessage(code, params, 'zh'),
    message_en: formatMessage(code, params, 'en'),
  };
}

/** Errors are reported in source order, as a reader meets them (OPA ast/errors.go). */
export function sortFindings<T extends Finding>(findings: readonly T[]): T[] {
  return [...findings].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || String(a.code).localeCompare(String(b.code)),
  );
}

export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}:${f.column}: ${f.severity} [${f.code}] ${f.message}`;
}

/** A refused request or rule set, carrying its stable code (and findings, for rule sets). */
export class ZhiduError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly params: MessageParams;
  readonly pointer: string | undefined;
  readonly findings: readonly Finding[];
  readonly messageZh: string;
  readonly violations: readonly FactViolation[];

  constructor(code: ErrorCode, params: MessageParams = {}, options: { pointer?: string; findings?: readonly Finding[]; violations?: readonly FactViolation[] } = {}) {
    super(formatMessage(code, params, 'en'));
    this.name = 'ZhiduError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.params = params;
    this.pointer = options.pointer;
    this.findings = options.findings ?? [];
    this.violations = options.violations ?? [];
    this.messageZh = formatMessage(code, params, 'zh');
  }
}

/** One fact that failed the input schema: pointer into the facts, in both languages. */
export interface FactViolation {
  readonly code: ErrorCode;
  readonly pointer: string;
  readonly message: string;
  readonly message_en: string;
}
