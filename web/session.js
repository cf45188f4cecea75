// Who is signed in, and what their role lets the app show.

import { api, storedKey, storeKey, forgetKey } from './api.js';

// Mirrors the API's role table (docs/api.md); the API enforces it, the app only
// avoids offering what would be refused.
const CAN = {
  evaluate: new Set(['caseworker', 'system', 'admin']),
  readDecisions: new Set(['caseworker', 'editor', 'admin']),
  determine: new Set(['caseworker', 'admin']),
  replay: new Set(['caseworker', 'editor', 'admin']),
  validate: new Set(['editor', 'admin']),
  publish: new Set(['editor', 'admin']),
  manageKeys: new Set(['admin']),
  cases: new Set(['caseworker', 'admin']),
  readCases: new Set(['caseworker', 'editor', 'admin']),
  personalData: new Set(['caseworker', 'admin']),
};

export const ROLE_TITLES = {
  caseworker: '经办人',
  system: '对接系统',
  editor: '政策编辑',
  admin: '管理员',
};

let current = null;

export function session() {
  return current;
}

/** The API says what the key may do (GET /v1/whoami permissions); the role table is the fallback. */
export function can(action) {
  if (!current) return false;
  if (Array.isArray(current.permissions)) return current.permissions.includes(action);
  return Boolean(CAN[action]?.has(current.role));
}

function normalise(who) {
  return { role: who?.role, name: who?.name ?? '', permissions: who?.permissions };
}

export async function signIn(key) {
  const who = await api.whoami(key);
  storeKey(key);
  current = normalise(who);
  return current;
}

/** Resume the tab's session after a reload; false when there is none or the key no longer works. */
export async function resume() {
  const key = storedKey();
  if (!key) return false;
  try {
    current = normalise(await api.whoami(key));
    return true;
  } catch (e) {
    if (e.status === 401 || e.status === 403) forgetKey();
    return false;
  }
}

export function signOut() {
  forgetKey();
  current = null;
}
