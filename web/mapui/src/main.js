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
import { fromLonLat } from 'ol/proj';
import { gql } from './gql.js';
import { LAYERS, statusName } from './labels.js';
import { makeLayers, OPEN, tileURL } from './layers.js';
import { highlightStyle } from './styles.js';
import { Panel } from './panel.js';
import { Playback } from './playback.js';
import { Coverage } from './coverage.js';
import { Drill } from './drill.js';
import { Counts } from './counts.js';
import { setupSearch } from './search.js';
import { startLive } from './live.js';
import { DISTRICT } from './queries.js';
import { hook, installHooks } from './hooks.js';
import { buildLayerList, buildLegend, loadHeader } from './sidebar.js';
import { showError, tick, toast } from './notify.js';
import { readLink, writeLink } from './link.js';
import { setupCredential } from './auth.js';
import { setupTooltip } from './tooltip.js';
import { setupImport } from './imports.js';

// Which feature a click means when several are under the pointer: points before
// polygons, incidents first.
const PRIORITY = { worker: 0, incident: 1, camera: 2, service_point: 3, party_unit: 4, building: 5, grid: 6 };

async function main() {
  const config = await fetch('config.json').then((r) => r.json()).catch(() => ({ basemap: null }));
  let pending = 0;
  // A layer the role may not read is switched off and marked in the list.
  const forbidden = new Set();
  const layers = makeLayers((n) => { pending = n; }, (key) => {
    if (forbidden.has(key)) return;
    forbidden.add(key);
    layers[key].setVisible(false);
    layerList.forbid(key);
  });
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
    playback: new Playback(map),
    onDrill: (code) => drill.to(code),
    onSelect: (id) => panel.show(id),
    onClose: () => {
      highlight.clear();
      link.select = null;
      writeLink(link);
    },
    onShown: (node, legal) => {
      link.select = node.id;
      writeLink(link);
      hook.shown = { node, legal };
      highlight.clear();
      if (node.geometry) highlight.addFeature(geojson.readFeature({ type: 'Feature', geometry: node.geometry, properties: {} }));
    },
  });
  const link = readLink();
  const drill = new Drill(map, {
    onUnit: (g) => {
      link.unit = g.level === 'DISTRICT' ? null : g.code;
      writeLink(link);
    },
    onError: showError,
    onLevel: () => layers.grid.changed(),
  });
  hook.select = (id) => panel.show(id);
  hook.drill = (code) => drill.to(code);

  const layerList = buildLayerList(layers);
  new Coverage(map);
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
  setupTooltip(map, featureAt);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !panel.root.hidden) document.getElementById('panel-close').click();
  });

  setupCredential();
  setupImport(map, { layers, onWritten: () => { counts.refresh(); loadHeader(); } });
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
    onLayerChange: (c) => {
      hook.layerChanges.push(c);
      const l = LAYERS.find((x) => x.layer === c.layer);
      if (!l) return;
      if (l.key === 'incident') {
        incidents.version++;
        reloadIncidents();
      } else if (layers[l.key]) {
        // A new URL: the browser may keep the old tiles for their max-age.
        layers[l.key].getSource().setUrl(tileURL(l.key, { version: Date.now() }));
      }
      counts.refresh();
      loadHeader();
      toast(`${l.name}已更新（导入）：新增 ${c.inserted}，更新 ${c.updated}` + (c.removed ? `，删除 ${c.removed}` : ''));
    },
  });

  const district = await gql(DISTRICT).catch((e) => { showError('无法连接服务器：' + e.message); return null; });
  const d = district && district.grids.edges[0];
  if (d) {
    document.getElementById('title').textContent = `${d.node.name}网格化社会治理指挥地图`;
    const { unit, select } = readLink();
    await drill.to(unit || d.node.code);
    if (select) panel.show(select);
  }
  setInterval(tick, 1000);
  tick();
}

main().catch((e) => showError('地图初始化失败：' + e.message));
