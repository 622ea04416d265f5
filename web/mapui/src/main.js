// gridhub's command-centre map: the hub's vector tiles drawn by OpenLayers (canvas 2D,
// no WebGL, so old command-centre PCs cope), details and counts from /graphql, live
// incident updates over graphql-ws.
import 'ol/ol.css';
import './map.css';
import Map from 'ol/Map';
import View from 'ol/View';
import TileLayer from 'ol/layer/Tile';
import XYZ from 'ol/source/XYZ';
import VectorLayer from 'ol/layer/Vector';
import VectorSource from 'ol/source/Vector';
import GeoJSON from 'ol/format/GeoJSON';
import { Attribution, ScaleLine, Zoom } from 'ol/control';
import { fromLonLat, toLonLat } from 'ol/proj';
import { gql } from './gql.js';
import { clear, h, num } from './dom.js';
import { LAYERS, STATUS, statusName } from './labels.js';
import { makeLayers, OPEN, tileURL } from './layers.js';
import { highlightStyle } from './styles.js';
import { Panel } from './panel.js';
import { Drill } from './drill.js';
import { Counts } from './counts.js';
import { setupSearch } from './search.js';
import { startLive } from './live.js';
import { DISTRICT } from './queries.js';

// Which feature a click means when several are under the pointer: points before
// polygons, incidents first.
const PRIORITY = { incident: 0, camera: 1, service_point: 2, party_unit: 3, building: 4, grid: 5 };

// The test and operator hook: state the page exposes for automation.
const hook = (window.__gridhub = { rendered: false, counts: {}, live: false, shown: null });

async function main() {
  const config = await fetch('config.json').then((r) => r.json()).catch(() => ({ basemap: null }));
  let pending = 0;
  const layers = makeLayers((n) => { pending = n; });
  const base = [];
  if (config.basemap) {
    base.push(new TileLayer({
      source: new XYZ({ url: config.basemap.url, attributions: config.basemap.attribution || undefined, maxZoom: 18 }),
      zIndex: 0,
    }));
  }
  const highlight = new VectorSource();
  const map = new Map({
    target: 'map',
    layers: [...base, ...Object.values(layers), new VectorLayer({ source: highlight, style: highlightStyle, zIndex: 30 })],
    view: new View({ center: fromLonLat([109.84, 40.65]), zoom: 13, minZoom: 8, maxZoom: 20 }),
    controls: [new Zoom({ zoomInTipLabel: '放大', zoomOutTipLabel: '缩小' }), new ScaleLine(), new Attribution({ collapsible: false })],
  });
  if (!config.basemap) document.getElementById('map').classList.add('plain');
  hook.map = map;
  hook.layers = layers;

  const geojson = new GeoJSON({ dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
  const panel = new Panel({
    onDrill: (code) => drill.to(code),
    onSelect: (id) => panel.show(id),
    onClose: () => highlight.clear(),
    onShown: (node, legal) => {
      hook.shown = { node, legal };
      highlight.clear();
      if (node.geometry) highlight.addFeature(geojson.readFeature({ type: 'Feature', geometry: node.geometry, properties: {} }));
    },
  });
  const drill = new Drill(map, { onUnit: () => {}, onError: showError });
  hook.select = (id) => panel.show(id);
  hook.drill = (code) => drill.to(code);

  const layerList = buildLayerList(layers);
  buildLegend();
  const counts = new Counts(map, (c) => layerList.update(c));
  counts.refresh();
  loadHeader();

  map.on('rendercomplete', () => {
    if (pending > 0) return;
    const extent = map.getView().calculateExtent(map.getSize());
    for (const { key } of LAYERS) {
      const l = layers[key];
      hook.counts[key] = l.getVisible() && map.getView().getZoom() >= (l.getMinZoom() || 0) ? l.getFeaturesInExtent(extent).length : 0;
    }
    hook.rendered = true;
  });
  map.on('movestart', () => { hook.rendered = false; });

  const featureAt = (pixel) => {
    let best = null;
    map.forEachFeatureAtPixel(pixel, (f, layer) => {
      const key = layer && layer.get('key');
      if (key && (!best || PRIORITY[key] < PRIORITY[best.key])) best = { f, key };
    }, { hitTolerance: 4 });
    return best;
  };
  installHooks(map, featureAt);

  map.on('singleclick', (evt) => {
    const best = featureAt(evt.pixel);
    if (!best) return;
    const f = best.f;
    if (f.get('count') > 1) {
      // A cluster: zoom in on it until it falls apart.
      map.getView().animate({ center: evt.coordinate, zoom: map.getView().getZoom() + 2, duration: 300 });
      return;
    }
    if (best.key === 'grid') {
      if (f.get('level') !== 'DISTRICT') drill.to(f.get('code')).then((g) => g && panel.show(g.id));
      return;
    }
    panel.show(f.get('id'));
  });
  map.on('pointermove', (evt) => {
    if (evt.dragging) return;
    const hit = map.hasFeatureAtPixel(evt.pixel, { layerFilter: (l) => l.get('key') && l.get('key') !== 'grid', hitTolerance: 4 });
    map.getTargetElement().classList.toggle('pointer', hit);
  });

  setupSearch({ onPick: (code) => drill.to(code).then((g) => g && panel.show(g.id)), onError: showError });

  // Live updates reload the incident tiles under a new URL (the browser may keep the
  // old ones for their max-age) and refresh whatever shows an incident.
  const incidents = { statuses: OPEN, version: 0 };
  const reloadIncidents = () => layers.incident.getSource().setUrl(tileURL('incident', incidents));
  const openOnly = document.getElementById('open-only');
  openOnly.addEventListener('change', () => {
    incidents.statuses = openOnly.checked ? OPEN : null;
    reloadIncidents();
  });
  let reloadTimer = null;
  const liveEl = document.getElementById('live');
  startLive({
    onState: (up) => {
      hook.live = up;
      liveEl.textContent = '实时更新: ' + (up ? '已连接' : '未连接');
      liveEl.classList.toggle('on', up);
      liveEl.classList.toggle('off', !up);
    },
    onChange: (inc) => {
      toast(`${inc.code} ${inc.name}：${statusName(inc.status)}`, inc.overdue);
      clearTimeout(reloadTimer);
      reloadTimer = setTimeout(() => {
        incidents.version++;
        reloadIncidents();
        counts.refresh();
        loadHeader();
      }, 500);
      if (panel.id === inc.id) panel.show(inc.id);
    },
  });

  const district = await gql(DISTRICT).catch((e) => { showError('无法连接服务器：' + e.message); return null; });
  const d = district && district.grids.edges[0];
  if (d) {
    document.getElementById('title').textContent = `${d.node.name}网格化社会治理指挥地图`;
    await drill.to(d.node.code);
  }
  setInterval(tick, 1000);
  tick();
}

// installHooks lets automation (the browser test, a wall-screen controller) find and
// move to things in page coordinates, so that it can click like an operator does.
function installHooks(map, featureAt) {
  const offset = () => map.getTargetElement().getBoundingClientRect();
  hook.pixelOf = (lon, lat) => {
    const p = map.getPixelFromCoordinate(fromLonLat([lon, lat]));
    const r = offset();
    return [p[0] + r.left, p[1] + r.top];
  };
  hook.featureAt = (x, y) => {
    const r = offset();
    const best = featureAt([x - r.left, y - r.top]);
    return best && { layer: best.key, id: best.f.get('id'), level: best.f.get('level'), code: best.f.get('code'), count: best.f.get('count') };
  };
  hook.goTo = (lon, lat, zoom) => {
    hook.rendered = false;
    map.getView().setCenter(fromLonLat([lon, lat]));
    map.getView().setZoom(zoom);
  };
  hook.center = () => toLonLat(map.getView().getCenter());
}

function buildLayerList(layers) {
  const ul = document.getElementById('layers');
  const rows = {};
  for (const { key, name, on } of LAYERS) {
    const count = h('span', { class: 'count', id: 'count-' + key }, '…');
    const box = h('input', { type: 'checkbox', id: 'toggle-' + key, checked: on, dataset: { layer: key } });
    box.addEventListener('change', () => layers[key].setVisible(box.checked));
    rows[key] = count;
    ul.append(h('li', {}, h('label', { for: 'toggle-' + key }, box, h('span', { class: 'swatch swatch-' + key }), name), count));
  }
  ul.append(h('li', { class: 'sub' }, h('label', { for: 'open-only' },
    h('input', { type: 'checkbox', id: 'open-only', checked: true }), '仅显示未办结事件')));
  return {
    update(c) {
      const text = c ? {
        grid: num(c.grids),
        building: num(c.buildings),
        party_unit: num(c.partyUnits),
        camera: `${num(c.cameras)} · 在线 ${num(c.camerasOnline)}`,
        service_point: num(c.servicePoints),
        incident: `${num(c.incidents)} · 未办结 ${num(c.openIncidents)}`,
      } : {};
      for (const key of Object.keys(rows)) rows[key].textContent = text[key] || '—';
    },
  };
}

function buildLegend() {
  const ul = document.getElementById('legend');
  for (const [s, { name }] of Object.entries(STATUS)) {
    ul.append(h('li', {}, h('span', { class: 'dot', dataset: { status: s } }), name));
  }
  ul.append(h('li', {}, h('span', { class: 'ring' }), '已超期'));
  ul.append(h('li', {}, h('span', { class: 'cluster' }, 'n'), '聚合（红圈含超期）'));
}

async function loadHeader() {
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

function tick() {
  const now = new Date();
  document.getElementById('clock').textContent = now.toLocaleString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' });
}

let errorTimer = null;
function showError(msg) {
  const el = document.getElementById('error');
  el.textContent = msg;
  el.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => { el.hidden = true; }, 6000);
}

function toast(msg, alert) {
  const box = document.getElementById('toasts');
  const t = h('div', { class: 'toast' + (alert ? ' alert' : '') }, msg);
  box.prepend(t);
  while (box.children.length > 4) box.lastChild.remove();
  setTimeout(() => t.remove(), 8000);
}

main().catch((e) => showError('地图初始化失败：' + e.message));
