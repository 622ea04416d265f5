// The operator's credential: an API key (or a department's JWT) entered once per browser
// session and sent with every request — GraphQL, tiles and the live socket — so the map
// shows what the operator's role may see. It lives in sessionStorage: command-centre PCs
// are shared, and closing the browser should forget it.
import { h } from './dom.js';

const STORE = 'gridhub.credential';

export function credential() {
  try {
    return window.sessionStorage.getItem(STORE) || '';
  } catch (e) {
    return '';
  }
}

export function authHeaders() {
  const c = credential();
  return c ? { Authorization: 'Bearer ' + c } : {};
}

// label names the credential without showing it: a key's public prefix, or "JWT".
function label(c) {
  if (!c) return '匿名访问';
  const m = /^(gh_[0-9a-f]{8})_/.exec(c);
  return m ? '密钥 ' + m[1] : 'JWT 令牌';
}

// setupCredential wires the header's credential button and its form; a change reloads
// the page, so that every layer and panel is fetched again under the new role.
export function setupCredential() {
  const button = document.getElementById('credential');
  const form = document.getElementById('credential-form');
  const input = document.getElementById('credential-input');
  button.textContent = label(credential());
  button.addEventListener('click', () => {
    form.hidden = !form.hidden;
    if (!form.hidden) input.focus();
  });
  const use = (value) => {
    try {
      if (value) window.sessionStorage.setItem(STORE, value);
      else window.sessionStorage.removeItem(STORE);
    } catch (e) {
      return;
    }
    window.location.reload();
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    use(input.value.trim());
  });
  form.append(h('button', { type: 'button', class: 'secondary', onclick: () => use('') }, '退出'));
}
