// Messages to the operator: the clock, error banners and live-update toasts.
import { h } from './dom.js';

export function tick() {
  const now = new Date();
  document.getElementById('clock').textContent = now.toLocaleString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' });
}

let errorTimer = null;
export function showError(msg) {
  const el = document.getElementById('error');
  el.textContent = msg;
  el.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => { el.hidden = true; }, 6000);
}

export function toast(msg, alert) {
  const box = document.getElementById('toasts');
  const t = h('div', { class: 'toast' + (alert ? ' alert' : '') }, msg);
  box.prepend(t);
  while (box.children.length > 4) box.lastChild.remove();
  setTimeout(() => t.remove(), 8000);
}

