// The web app's only way to the server: the public /v1 API, with the caller's key.
// The key lives in sessionStorage: it survives a reload but not the closing of the tab.

const KEY_STORAGE = 'zhidu.apiKey';

export function storedKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function storeKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY_STORAGE);
}

/** An RFC 9457 problem from the API (or a network failure dressed as one). */
export class ApiProblem extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  /** Chinese message: the API sends both languages; caseworkers read Chinese. */
  get messageZh() {
    const p = this.problem;
    // zhidu problems carry the Chinese message in title (detail may list JSON pointers).
    return p.title || p.detail || `请求失败（HTTP ${this.status}）`;
  }

  /** Per-fact violations with JSON pointers (400 invalid facts). */
  get violations() {
    const v = this.problem.violations || this.problem.errors || [];
    return Array.isArray(v) ? v : [];
  }
}

export async function request(method, path, body, { key = storedKey() } = {}) {
  const headers = { accept: 'application/json, application/problem+json' };
  if (key) headers.authorization = `Bearer ${key}`;
  const init = { method, headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiProblem(0, { title: '无法连接服务器', detail: '无法连接服务器，请检查网络后重试。' });
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text };
    }
  }
  if (!res.ok) throw new ApiProblem(res.status, data || {});
  return data;
}

const enc = encodeURIComponent;

const withAsOf = (body, asOf) => (asOf ? { ...body, as_of: asOf } : body);

export const api = {
  whoami: (key) => request('GET', '/v1/whoami', undefined, key ? { key } : {}),
  rulesets: () => request('GET', '/v1/rulesets'),
  ruleset: (id) => request('GET', `/v1/rulesets/${enc(id)}`),
  // The evaluate page shows outcome, reasons, failed conditions, missing facts and ambiguities: the summary level.
  evaluate: (id, facts, asOf) => request('POST', `/v1/rulesets/${enc(id)}/evaluate?explain=summary`, withAsOf({ facts }, asOf)),
  // The form's 评估: decided the same, recorded nowhere (only what is submitted goes into the log).
  preview: (id, facts, asOf) => request('POST', `/v1/rulesets/${enc(id)}/evaluate?explain=summary&record=false`, withAsOf({ facts }, asOf)),
  source: (file, from, to) => request('GET', `/v1/sources/${enc(file)}?from=${from}&to=${to}`),
  decision: (id) => request('GET', `/v1/decisions/${enc(id)}`),
  decisions: (query) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    const s = q.toString();
    return request('GET', `/v1/decisions${s ? `?${s}` : ''}`);
  },
  replay: (id) => request('POST', `/v1/decisions/${enc(id)}/replay`, {}),
  determine: (id, agree, reason, supersedes) => {
    const body = { agree };
    if (reason) body.reason = reason;
    if (supersedes) body.supersedes = supersedes;
    return request('POST', `/v1/decisions/${enc(id)}/determinations`, body);
  },
  keys: () => request('GET', '/v1/keys'),
  addKey: (name, role) => request('POST', '/v1/keys', { name, role }),
  revokeKey: (name) => request('DELETE', `/v1/keys/${enc(name)}`),
  messages: () => request('GET', '/app/messages.json', undefined, { key: null }),
  createCase: (ruleset, applicant) => request('POST', '/v1/cases', { ruleset, applicant }),
  getCase: (id) => request('GET', `/v1/cases/${enc(id)}`),
  saveDraft: (id, change) => request('PATCH', `/v1/cases/${enc(id)}`, change),
  tryCase: (id, facts, asOf, answers) => request('POST', `/v1/cases/${enc(id)}/evaluate`, withAsOf({ facts, answers }, asOf)),
  submitCase: (id, facts, asOf, answers) => request('POST', `/v1/cases/${enc(id)}/submit`, withAsOf({ facts, answers }, asOf)),
  overrideCase: (id, outcome, reason) => request('POST', `/v1/cases/${enc(id)}/override`, { outcome, reason }),
  closeCase: (id) => request('POST', `/v1/cases/${enc(id)}/close`),
  caseNotice: (id) => request('GET', `/v1/cases/${enc(id)}/notice`),
  cases: (query) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    const s = q.toString();
    return request('GET', `/v1/cases${s ? `?${s}` : ''}`);
  },
};
