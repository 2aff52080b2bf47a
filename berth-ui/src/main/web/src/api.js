// Calls to Berth's public APIs, signed with the session's credentials (or anonymous). Errors keep the API's
// own code and message so pages can show them as they came.
import { hawkHeader } from './hawk.js';

const KEY = 'berth.credentials';

export function credentials() {
  try { return JSON.parse(sessionStorage.getItem(KEY)); } catch { return null; }
}

export function setCredentials(c) {
  if (c) sessionStorage.setItem(KEY, JSON.stringify(c));
  else sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const queuePath = (p) => `/api/queue/v1${p}`;
export const authPath = (p) => `/api/auth/v1${p}`;
export const q = encodeURIComponent;

/** Headers for a request to path, signed when signed in. */
export function headers(method, path, creds = credentials()) {
  const h = { Accept: 'application/json' };
  if (creds) h.Authorization = hawkHeader(method, path, creds);
  return h;
}

export async function request(method, path, body, creds = credentials()) {
  const h = headers(method, path, creds);
  if (body !== undefined) h['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'NetworkError', `${method} ${path}: ${e.message}`);
  }
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) {
    throw new ApiError(res.status, json?.code ?? `HTTP ${res.status}`, json?.message ?? text.slice(0, 500));
  }
  return json;
}

export const get = (path, creds) => request('GET', path, undefined, creds);
export const post = (path, body) => request('POST', path, body ?? {});

/** Does one of the scopes held satisfy the scope asked for (a trailing * matches any suffix)? */
export function satisfies(held, wanted) {
  return held.some((s) => s === wanted || (s.endsWith('*') && wanted.startsWith(s.slice(0, -1))));
}
