// The left-hand layer list with its counts, the status legend and the header figures.
import { gql } from './gql.js';
import { clear, h, num } from './dom.js';
import { LAYERS, STATUS } from './labels.js';

export function buildLayerList(layers) {
  const ul = document.getElementById('layers');
  const rows = {};
  const boxes = {};
  for (const { key, name, on } of LAYERS) {
    const count = h('span', { class: 'count', id: 'count-' + key }, '…');
    const box = h('input', { type: 'checkbox', id: 'toggle-' + key, checked: on, dataset: { layer: key } });
    box.addEventListener('change', () => layers[key].setVisible(box.checked));
    rows[key] = count;
    boxes[key] = box;
    ul.append(h('li', {}, h('label', { for: 'toggle-' + key }, box, h('span', { class: 'swatch swatch-' + key }), name), count));
  }
  ul.append(h('li', { class: 'sub' }, h('label', { for: 'open-only' },
    h('input', { type: 'checkbox', id: 'open-only', checked: true }), '仅显示未办结事件')));
  return {
    forbid(key) {
      boxes[key].checked = false;
      boxes[key].disabled = true;
      boxes[key].closest('li').classList.add('forbidden');
      rows[key].textContent = '无权限';
    },
    update(c) {
      const text = c ? {
        grid: num(c.grids),
        building: num(c.buildings),
        party_unit: num(c.partyUnits),
        camera: `${num(c.cameras)} · 在线 ${num(c.camerasOnline)}`,
        service_point: num(c.servicePoints),
        incident: `${num(c.incidents)} · 未办结 ${num(c.openIncidents)}`,
      } : {};
      for (const key of Object.keys(rows)) {
        if (!boxes[key].disabled) rows[key].textContent = text[key] || '—';
      }
    },
  };
}

export function buildLegend() {
  const ul = document.getElementById('legend');
  for (const [s, { name }] of Object.entries(STATUS)) {
    ul.append(h('li', {}, h('span', { class: 'dot', dataset: { status: s } }), name));
  }
  ul.append(h('li', {}, h('span', { class: 'ring' }), '已超期'));
  ul.append(h('li', {}, h('span', { class: 'cluster' }, 'n'), '聚合（红圈含超期）'));
}

export async function loadHeader() {
  const el = document.getElementById('kpis');
  try {
    const { stats: s } = await gql('{ stats { population cameras camerasOnline openIncidents overdueIncidents } }');
    const kpi = (label, value, cls) => h('div', { class: 'kpi ' + (cls || '') }, h('span', { class: 'v' }, value), h('span', { class: 'l' }, label));
    clear(el).append(
      kpi('实有人口', num(s.population)),
      kpi('未办结事件', num(s.openIncidents), 'warn'),
      kpi('超期事件', num(s.overdueIncidents), 'alert'),
      kpi('监控在线率', s.cameras ? (100 * s.camerasOnline / s.cameras).toFixed(1) + '%' : '—'));
  } catch (e) {
    clear(el);
  }
}

