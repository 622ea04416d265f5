// 数据导入: for roles that may import (GET /import answers 200), a file is checked on
// the server (预检: the same importer as `gridhub import -dry-run`), its problems listed
// and drawn on the map, then written (导入). Other roles never see the section. While
// the server works it streams its progress (NDJSON); leaving the page drops the
// connection, which stops the import before anything is written.
import VectorLayer from 'ol/layer/Vector';
import VectorSource from 'ol/source/Vector';
import GeoJSON from 'ol/format/GeoJSON';
import { Circle, Fill, Stroke, Style } from 'ol/style';
import { authHeaders } from './auth.js';
import { tileURL } from './layers.js';
import { clear, h, num } from './dom.js';
import { hook } from './hooks.js';
import { LAYERS } from './labels.js';

const geojson = new GeoJSON({ dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
const byLayer = Object.fromEntries(LAYERS.map((l) => [l.layer, l]));
const problemStyle = new Style({
  image: new Circle({ radius: 7, fill: new Fill({ color: 'rgba(255,45,45,.35)' }), stroke: new Stroke({ color: '#ff2d2d', width: 2 }) }),
  stroke: new Stroke({ color: '#ff2d2d', width: 2, lineDash: [6, 4] }),
  fill: new Fill({ color: 'rgba(255,45,45,.2)' }),
});
const SHOWN = 20;
const PHASES = { reading: '读取', checking: '检查', writing: '写入' };

// readLines calls onLine with each JSON line of an NDJSON body as it arrives.
async function readLines(body, onLine) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line) onLine(JSON.parse(line));
    }
  }
  if (buf.trim()) onLine(JSON.parse(buf));
}

// fitAll shows every feature of source, however far from the district they lie (a file
// in the wrong CRS): the view may zoom out further than the page usually lets it.
function fitAll(map, source) {
  const view = map.getView();
  const extent = source.getExtent();
  const size = map.getSize();
  if (size) {
    const zoom = view.getZoomForResolution(view.getResolutionForExtent(extent, [size[0] - 120, size[1] - 120]));
    if (Number.isFinite(zoom) && zoom < view.getMinZoom()) view.setMinZoom(Math.max(0, Math.floor(zoom)));
  }
  view.fit(extent, { padding: [60, 60, 60, 60], maxZoom: 17, duration: 300 });
}

export async function setupImport(map, { layers, onWritten }) {
  const section = document.getElementById('import-section');
  let info = null;
  try {
    const res = await fetch('/import', { headers: { Accept: 'application/json', ...authHeaders() } });
    if (res.ok) info = await res.json();
  } catch (e) {
    // No section when the server cannot say.
  }
  hook.importAllowed = info !== null;
  if (!info) return;
  const source = new VectorSource();
  map.addLayer(new VectorLayer({ source, style: problemStyle, zIndex: 40 }));
  const layer = document.getElementById('import-layer');
  for (const l of info.layers) layer.append(h('option', { value: l }, byLayer[l] ? byLayer[l].name : l));
  const file = document.getElementById('import-file');
  file.setAttribute('accept', info.formats.join(','));
  const crs = document.getElementById('import-crs');
  const check = document.getElementById('import-check');
  const commit = document.getElementById('import-commit');
  const report = document.getElementById('import-report');
  hook.importReport = null;
  section.hidden = false;

  const reset = () => {
    commit.disabled = true;
    source.clear();
    clear(report);
    hook.importReport = null;
  };
  file.addEventListener('change', reset);
  layer.addEventListener('change', reset);
  crs.addEventListener('change', reset);

  // The import running now; leaving the page aborts it, which drops the connection and
  // so stops the import on the server before anything is written.
  let inflight = null;
  window.addEventListener('pagehide', () => { if (inflight) inflight.abort(); });

  const send = async (dryRun) => {
    const f = file.files[0];
    if (!f) {
      clear(report).append(h('p', { class: 'panel-error' }, '请选择文件'));
      return;
    }
    check.disabled = commit.disabled = true;
    const progress = h('p', { class: 'muted', id: 'import-progress' }, dryRun ? '预检中…' : '导入中…');
    const bar = h('progress', { class: 'import-bar', max: '1' });
    clear(report).append(progress, bar);
    hook.importProgress = [];
    const form = new FormData();
    form.append('file', f, f.name);
    const q = new URLSearchParams({ layer: layer.value, dryRun: dryRun ? '1' : '0' });
    if (crs.value.trim()) q.set('crs', crs.value.trim());
    const onProgress = (p) => {
      hook.importProgress.push(p);
      const parts = [(dryRun && p.phase === 'writing' ? '比对' : PHASES[p.phase] || p.phase) + '中', `${num(p.rows)} 行`];
      if (p.done > 0 && p.phase === 'reading') parts.push(`${Math.round(p.done * 100)}%`);
      if (p.rowsPerSecond > 0) parts.push(`${num(Math.round(p.rowsPerSecond))} 行/秒`);
      progress.textContent = parts.join(' · ');
      // Reading fills the bar by the file's share; checking and writing wait without one.
      if (p.phase === 'reading' && p.done > 0) bar.value = p.done;
      else if (p.phase !== 'reading') bar.removeAttribute('value');
    };
    let body = null;
    let ok = false;
    inflight = new AbortController();
    try {
      const res = await fetch('/import?' + q, { method: 'POST', body: form, signal: inflight.signal,
        headers: { Accept: 'application/x-ndjson, application/json', ...authHeaders() } });
      if ((res.headers.get('Content-Type') || '').startsWith('application/x-ndjson')) {
        await readLines(res.body, (line) => {
          if (line.progress) onProgress(line.progress);
          else body = line;
        });
        ok = body !== null && !!body.report;
        if (ok) body = body.report;
      } else {
        body = await res.json();
        ok = res.ok;
      }
    } catch (e) {
      body = null;
    }
    inflight = null;
    if (!body) body = { errors: [{ message: '无法连接服务器，或导入中断：未写入' }] };
    check.disabled = false;
    source.clear();
    if (!ok) {
      const errs = body.errors || [];
      const msg = errs.map((e) => e.message).join('；') || '导入失败';
      clear(report).append(h('p', { class: 'panel-error' }, msg));
      // A file refused for lying outside the district says where it landed.
      const where = errs.map((e) => e.extensions && e.extensions.locations).find((l) => l && l.features && l.features.length);
      if (where) {
        source.addFeatures(geojson.readFeatures(where));
        fitAll(map, source);
        report.append(h('p', { class: 'muted' }, '地图上红色标出文件中数据实际落在的位置'));
      }
      hook.importReport = { error: msg, code: errs.length && errs[0].extensions ? errs[0].extensions.code : null, drawn: source.getFeatures().length };
      return;
    }
    show(body, dryRun);
  };

  const show = (r, dryRun) => {
    const features = r.locations && r.locations.features ? r.locations.features : [];
    source.addFeatures(geojson.readFeatures(r.locations || { type: 'FeatureCollection', features: [] }));
    if (features.length) fitAll(map, source);
    const state = r.errors > 0 ? `${num(r.errors)} 个问题，未写入` : r.written ? '已写入' : dryRun ? '预检通过，可导入' : '无变化';
    const rows = [
      ['读取', r.rows], ['新增', r.inserted], ['更新', r.updated], ['未变', r.unchanged], ['库中有而文件无', r.missing],
    ];
    clear(report).append(
      h('p', { class: r.errors > 0 ? 'import-state bad' : 'import-state good', id: 'import-state' }, state),
      h('dl', { class: 'import-counts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, num(v))])),
      h('p', { class: 'muted' }, '坐标：' + r.crs + (r.encoding ? '；编码：' + r.encoding : '')),
      r.problems.length ? h('table', { class: 'import-problems' },
        h('tr', {}, h('th', {}, '行'), h('th', {}, '字段'), h('th', {}, '问题'), h('th', {}, '值')),
        r.problems.slice(0, SHOWN).map((p) => h('tr', { class: p.warning ? 'warning' : '' },
          h('td', {}, p.row || '—'), h('td', {}, p.field), h('td', {}, p.problem), h('td', {}, p.value)))) : null,
      r.problemsTotal > SHOWN ? h('p', { class: 'muted' }, `…另有 ${num(r.problemsTotal - SHOWN)} 个问题`) : null,
      features.length ? h('p', { class: 'muted' }, `地图上红色标出 ${num(features.length)} 处问题位置`) : null,
    );
    commit.disabled = !(dryRun && r.errors === 0 && r.inserted + r.updated + r.pruned > 0);
    hook.importReport = { dryRun, rows: r.rows, errors: r.errors, problems: r.problemsTotal, drawn: source.getFeatures().length,
      inserted: r.inserted, updated: r.updated, written: r.written };
    // With live updates up, the import's layerChanged redraws the layer and the counts
    // (onLayerChange in main.js); without them, that is done here. The incident layer is
    // not reloaded here: its timeline entries reach the map as live updates, which reload
    // it with its status filter.
    if (r.written && !hook.live) {
      const key = byLayer[layer.value] && byLayer[layer.value].key;
      // A new URL: the browser may keep the old tiles for their max-age.
      if (key && key !== 'incident' && layers[key]) layers[key].getSource().setUrl(tileURL(key, { version: Date.now() }));
      onWritten();
    }
  };

  check.addEventListener('click', () => send(true));
  commit.addEventListener('click', () => send(false));
}
