// The side panel: one feature's details, fetched through Query.node.
import { gql, isAbort, latest } from './gql.js';
import { clear, h, num, time } from './dom.js';
import { CAMERA_STATUS, KIND, LAYERS, LEVEL, SOURCE, STATUS, statusName } from './labels.js';
import { NEARBY_LEGAL, NODE, TRACK } from './queries.js';
import { beijingDay } from './playback.js';

const layerName = Object.fromEntries(LAYERS.map((l) => [l.layer, l.name]));

export class Panel {
  // onDrill(code) drills into a grid unit; onSelect(id) opens another feature;
  // onShown(node) tells the page what is shown (to highlight it and for tests).
  // playback (a Playback) gives a worker's panel its day playback.
  constructor({ onDrill, onSelect, onShown, onClose, playback }) {
    this.playback = playback;
    this.root = document.getElementById('panel');
    this.body = document.getElementById('panel-body');
    this.onDrill = onDrill;
    this.onSelect = onSelect;
    this.onShown = onShown;
    document.getElementById('panel-close').addEventListener('click', () => {
      this.close();
      onClose();
    });
    this.load = latest((signal, id) => this.fetch(signal, id));
  }

  close() {
    this.playback.clear();
    this.root.hidden = true;
    this.id = null;
  }

  async show(id) {
    this.id = id;
    this.playback.clear();
    this.root.hidden = false;
    clear(this.body).append(h('div', { class: 'loading' }, '加载中…'));
    try {
      await this.load(id);
    } catch (e) {
      if (isAbort(e)) return;
      clear(this.body).append(h('div', { class: 'panel-error' }, e.forbidden ? '当前身份无权查看该要素的详情' : '详情加载失败：' + e.message));
    }
  }

  async fetch(signal, id) {
    const { node } = await gql(NODE, { id }, signal);
    if (node) {
      node.kind = node.partyKind || node.cameraKind || node.pointKind;
      node.status = node.status || node.cameraStatus;
    }
    if (!node) {
      clear(this.body).append(h('div', { class: 'panel-error' }, '该要素已不存在'));
      return;
    }
    let legal = null;
    if (node.layer === 'INCIDENT' && node.geometry && node.geometry.type === 'Point') {
      const [lon, lat] = node.geometry.coordinates;
      const data = await gql(NEARBY_LEGAL, { lon, lat }, signal);
      legal = data.nearby.filter((n) => n.feature.kind === 'LEGAL_SERVICE');
    }
    if (node.layer === 'WORKER' && node.lastSeenAt) {
      node.trackDay = beijingDay(node.lastSeenAt);
      try {
        const data = await gql(TRACK, { id, from: node.trackDay.from, to: node.trackDay.to }, signal);
        node.track = data.node && data.node.track;
      } catch (e) {
        if (isAbort(e)) throw e;
        node.track = null; // another worker's track, to a worker's own credential
      }
    }
    clear(this.body).append(...this.render(node, legal).filter(Boolean));
    this.root.dataset.layer = node.layer;
    this.onShown(node, legal);
  }

  render(n, legal) {
    const head = h('header', { class: 'panel-head' },
      h('span', { class: 'badge layer-' + n.layer.toLowerCase() }, layerName[n.layer] || n.layer),
      h('h2', { id: 'panel-title' }, n.name));
    switch (n.layer) {
      case 'INCIDENT': return [head, ...this.incident(n, legal)];
      case 'GRID': return [head, ...this.grid(n)];
      case 'BUILDING': return [head, facts([
        ['地址', n.address], ['层数', n.floors], ['户数', num(n.households)], ['实有人口', num(n.residents)],
        ['所属网格', this.gridLink(n.grid)], ['楼栋党小组', n.partyGroup ? this.link(n.partyGroup.id, n.partyGroup.name) : '—']])];
      case 'PARTY_UNIT': return [head, facts([
        ['类型', KIND[n.kind]], ['党员人数', num(n.memberCount)], ['上级组织', n.parent ? this.link(n.parent.id, n.parent.name) : '—'],
        ['所在楼栋', n.building ? this.link(n.building.id, n.building.name) : '—'], ['所属网格', this.gridLink(n.grid)]])];
      case 'CAMERA': return [head, facts([
        ['设备编码', h('code', {}, n.code)], ['类型', KIND[n.kind]], ['状态', statusTag(CAMERA_STATUS[n.status], n.status)],
        ['朝向', n.headingDegrees == null ? '—' : Math.round(n.headingDegrees) + '°'], ['所属网格', this.gridLink(n.grid)]])];
      case 'WORKER': return [head, facts([
        ['编号', h('code', {}, n.code)], ['状态', n.onDuty ? '在岗' : '离岗'], ['最后定位', n.lastSeenAt ? time(n.lastSeenAt) : '—'],
        ['电话', n.phone || '—'], ['所属网格', this.gridLink(n.grid)],
        n.track ? ['巡查 ' + n.trackDay.label, `${(n.track.distanceMeters / 1000).toFixed(1)} 公里 · ${n.track.onDutyHours.toFixed(1)} 小时`] : null]),
        n.track ? this.playback.element(n) : null,
        section('派遣事件', n.assignedIncidents.length, list(n.assignedIncidents, (i) =>
          [this.link(i.id, i.name), ' ', statusTag(STATUS[i.status], i.status), i.overdue ? h('span', { class: 'tag overdue' }, '已超期') : null], '—'))];
      case 'SERVICE_POINT': return [head, facts([
        ['类型', KIND[n.kind]], ['地址', n.address], ['电话', n.phone || '—'], ['开放时间', n.openingHours || '—'],
        ['所属网格', this.gridLink(n.grid)]])];
    }
    return [head];
  }

  incident(n, legal) {
    const st = STATUS[n.status] || {};
    const branch = n.grid ? n.grid.partyUnits.filter((p) => p.kind === 'GRID_BRANCH') : [];
    const out = [
      h('div', { class: 'incident-status', dataset: { incidentCode: n.code, status: n.status } },
        statusTag(st, n.status),
        n.overdue ? h('span', { class: 'tag overdue' }, '已超期') : null,
        h('span', { class: 'priority p' + n.priority }, '优先级 ' + n.priority)),
      facts([
        ['事件编号', h('code', { id: 'incident-code' }, n.code)],
        ['类别', n.category], ['来源', SOURCE[n.source] || n.source],
        ['上报时间', time(n.reportedAt)], ['办结时限', h('span', { class: n.overdue ? 'overdue-text' : '' }, time(n.dueAt))],
        n.closedAt ? ['结案时间', time(n.closedAt)] : null,
        n.amountYuan != null ? ['涉及金额', '¥' + num(n.amountYuan)] : null,
        ['所属网格', n.grid ? h('span', {}, this.gridLink(n.grid), n.grid.parent ? ` · ${n.grid.parent.name}` : '',
          n.grid.parent && n.grid.parent.parent ? ` · ${n.grid.parent.parent.name}` : '') : '—'],
        ['网格员', (n.grid && n.grid.workerName) || '—'],
        ['网格党支部', branch.length ? branch.map((p, i) => [i ? '、' : '', this.link(p.id, p.name)]) : '—'],
      ]),
      n.description ? h('p', { class: 'description' }, n.description) : null,
      section('处置时间线', n.timeline.length, h('ol', { class: 'timeline', id: 'timeline' },
        n.timeline.map((e) => h('li', { class: 'step' },
          h('span', { class: 'dot', style: undefined, dataset: { status: e.to } }),
          h('div', {}, h('strong', {}, (e.from ? statusName(e.from) + ' → ' : '') + statusName(e.to)),
            h('div', { class: 'muted' }, time(e.at) + (e.actor ? ' · ' + e.actor : '')),
            e.note ? h('div', {}, e.note) : null))))),
      section('周边 500 米法律服务站', legal ? legal.length : 0, list(legal || [], (x) =>
        [this.link(x.feature.id, x.feature.name), h('span', { class: 'muted' }, ` ${Math.round(x.distanceMeters)} 米`),
          x.feature.phone ? h('div', { class: 'muted' }, x.feature.phone) : null], '500 米内无法律服务站')),
      section('周边 200 米视频监控', n.nearbyCameras.length, list(n.nearbyCameras, (x) =>
        [this.link(x.feature.id, x.feature.name), ' ', statusTag(CAMERA_STATUS[x.feature.status], x.feature.status),
          h('span', { class: 'muted' }, ` ${Math.round(x.distanceMeters)} 米`)], '200 米内无监控点位')),
    ];
    return out;
  }

  grid(n) {
    return [
      facts([
        ['编码', h('code', {}, n.code)], ['层级', LEVEL[n.level]], ['实有人口', num(n.population)], ['户数', num(n.households)],
        ['面积', (n.areaSquareMeters / 1e6).toFixed(2) + ' 平方公里'], n.workerName ? ['网格员', n.workerName] : null,
        n.parent ? ['上级', h('a', { href: '#', onclick: (e) => { e.preventDefault(); this.onDrill(n.parent.code); } }, n.parent.name)] : null,
      ]),
      section('党组织', n.partyUnits.length, list(n.partyUnits, (p) =>
        [this.link(p.id, p.name), h('span', { class: 'muted' }, ` ${KIND[p.kind]} · ${p.memberCount} 名党员`)], '—')),
      n.children.length ? section('下级' + LEVEL[n.children[0].level], n.children.length, h('ul', { class: 'children' },
        n.children.map((c) => h('li', {}, h('a', { href: '#', dataset: { code: c.code }, onclick: (e) => { e.preventDefault(); this.onDrill(c.code); } }, c.name))))) : null,
    ];
  }

  link(id, text) {
    return h('a', { href: '#', onclick: (e) => { e.preventDefault(); this.onSelect(id); } }, text);
  }

  gridLink(g) {
    if (!g) return '—';
    return h('a', { href: '#', onclick: (e) => { e.preventDefault(); this.onDrill(g.code); } }, g.name);
  }
}

function facts(rows) {
  return h('dl', { class: 'facts' }, rows.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v === undefined || v === null || v === '' ? '—' : v)]));
}

function section(title, count, body) {
  return h('section', { class: 'panel-section' }, h('h3', {}, title, h('span', { class: 'count' }, count)), body);
}

function list(items, row, empty) {
  if (!items.length) return h('p', { class: 'muted' }, empty);
  return h('ul', { class: 'plain' }, items.map((x) => h('li', {}, row(x))));
}

function statusTag(st, raw) {
  return h('span', { class: 'tag status-' + String(raw).toLowerCase() }, (st && st.name) || raw);
}
