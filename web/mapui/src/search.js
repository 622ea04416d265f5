// Search for grid units by name or code. The ~300 units are loaded once and filtered
// here; a full code typed in is looked up with grid(code:) through the drill-down.
import { gql } from './gql.js';
import { clear, h } from './dom.js';
import { LEVEL } from './labels.js';
import { ALL_UNITS } from './queries.js';

const MAX_RESULTS = 12;

export function setupSearch({ onPick, onError }) {
  const input = document.getElementById('search');
  const out = document.getElementById('search-results');
  let units = null;
  let loading = null;
  const load = () => {
    if (!loading) {
      loading = gql(ALL_UNITS).then((d) => { units = d.grids.edges.map((e) => e.node); })
        .catch((e) => { loading = null; onError('网格列表加载失败：' + e.message); });
    }
    return loading;
  };

  const matches = (q) => {
    if (!units || !q) return [];
    const digits = /^\d+$/.test(q);
    return units.filter((u) => (digits ? u.code.startsWith(q) : u.name.includes(q))).slice(0, MAX_RESULTS);
  };

  const pick = (u) => {
    out.hidden = true;
    input.value = u.name;
    input.blur();
    onPick(u.code);
  };

  const render = () => {
    const q = input.value.trim();
    const found = matches(q);
    clear(out);
    out.hidden = !q;
    if (!q) return;
    if (!found.length) {
      out.append(h('li', { class: 'empty' }, /^\d{6,15}$/.test(q) ? '按回车查找编码 ' + q : '无匹配网格'));
      return;
    }
    for (const u of found) {
      out.append(h('li', { tabindex: '0', onmousedown: (e) => { e.preventDefault(); pick(u); }, onkeydown: (e) => { if (e.key === 'Enter') pick(u); } },
        h('span', { class: 'level' }, LEVEL[u.level]), h('span', { class: 'name' }, u.name),
        h('span', { class: 'muted' }, (u.parent ? u.parent.name + ' · ' : '') + u.code)));
    }
  };

  input.addEventListener('focus', () => load().then(render));
  input.addEventListener('input', () => load().then(render));
  input.addEventListener('blur', () => setTimeout(() => { out.hidden = true; }, 150));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { out.hidden = true; input.blur(); }
    if (e.key !== 'Enter') return;
    const q = input.value.trim();
    const found = matches(q);
    if (found.length) pick(found[0]);
    else if (/^\d{6,15}$/.test(q)) { out.hidden = true; onPick(q); }
  });
}
