// The editors' endpoints (docs/editing.md), over the same key and problem handling as the rest of the app.

import { request, storedKey, ApiProblem } from './api.js';

const enc = encodeURIComponent;

async function postYaml(path, text) {
  const headers = { accept: 'application/json, application/problem+json', 'content-type': 'application/yaml' };
  const key = storedKey();
  if (key) headers.authorization = `Bearer ${key}`;
  let res;
  try {
    res = await fetch(path, { method: 'POST', headers, body: text });
  } catch {
    throw new ApiProblem(0, { title: '无法连接服务器' });
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiProblem(res.status, data);
  return data;
}

export const editorApi = {
  versions: (id) => request('GET', `/v1/rulesets/${enc(id)}/versions`),
  source: (id, version) => request('GET', `/v1/rulesets/${enc(id)}/versions/${enc(version)}/source`),
  validate: (yaml) => postYaml('/v1/validate?file=draft.yaml', yaml),
  lint: (yaml, tests) => request('POST', '/v1/lint', tests === undefined ? { yaml } : { yaml, tests }),
  test: (id, yaml, tests) => request('POST', `/v1/rulesets/${enc(id)}/test`, { yaml, tests }),
  diff: (id, yaml, from) => request('POST', `/v1/rulesets/${enc(id)}/diff${from ? `?from=${enc(from)}` : ''}`, { yaml }),
  impact: (id, yaml, count, seed) => request('POST', `/v1/rulesets/${enc(id)}/impact`, { to: { yaml }, population: { count, seed }, sample: 3 }),
  publish: (id, yaml, tests) => request('POST', `/v1/rulesets/${enc(id)}/versions`, { yaml, tests }),
  reviews: (id) => request('GET', `/v1/rulesets/${enc(id)}/reviews`),
  review: (id, version) => request('GET', `/v1/rulesets/${enc(id)}/reviews/${enc(version)}`),
  submit: (id, yaml, tests, comment) => request('POST', `/v1/rulesets/${enc(id)}/reviews`, comment ? { yaml, tests, comment } : { yaml, tests }),
  reviewStep: (id, version, action, comment) => request('POST', `/v1/rulesets/${enc(id)}/reviews/${enc(version)}/${action}`, comment ? { comment } : {}),
  publishReviewed: (id, version) => request('POST', `/v1/rulesets/${enc(id)}/reviews/${enc(version)}/publish`),
};
