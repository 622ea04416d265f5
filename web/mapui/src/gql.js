// The hub's GraphQL endpoint on the page's own origin.
import { authHeaders } from './auth.js';

export const endpoint = new URL('/graphql', window.location.href).toString();

export class GraphQLError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join('; '));
    this.errors = errors;
    this.forbidden = errors.some((e) => e.extensions && ['FORBIDDEN', 'UNAUTHENTICATED'].includes(e.extensions.code));
  }
}

// gql runs a query and resolves with its data; any error rejects, so that a panel is
// never filled from half an answer.
export async function gql(query, variables = {}, signal) {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...authHeaders() },
    body: JSON.stringify({ query, variables }),
    signal,
  });
  let body;
  try {
    body = await res.json();
  } catch (e) {
    throw new Error(`服务器返回 ${res.status}`);
  }
  if (body.errors && body.errors.length) throw new GraphQLError(body.errors);
  if (!res.ok) throw new Error(`服务器返回 ${res.status}`);
  return body.data;
}

// latest wraps an async loader so that only the newest call's result is used: a slow
// answer to an earlier click never overwrites a newer one.
export function latest(fn) {
  let ctrl = null;
  return async (...args) => {
    if (ctrl) ctrl.abort();
    const mine = new AbortController();
    ctrl = mine;
    try {
      return await fn(mine.signal, ...args);
    } finally {
      if (ctrl === mine) ctrl = null;
    }
  };
}

export function isAbort(e) {
  return e && e.name === 'AbortError';
}
