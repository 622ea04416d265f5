// 走访覆盖率: GRID units shaded by the share of their buildings visited in the last 30
// days (Grid.visitCoverage), with a legend of the ramp. Read once through GraphQL when
// first switched on (every GRID unit fits one query) and again when switched on anew.
import VectorLayer from 'ol/layer/Vector';
import VectorSource from 'ol/source/Vector';
import GeoJSON from 'ol/format/GeoJSON';
import { Fill, Stroke, Style } from 'ol/style';
import { gql, isAbort, latest } from './gql.js';
import { clear, h } from './dom.js';
import { COVERAGE } from './queries.js';
import { hook } from './hooks.js';

const geojson = new GeoJSON({ dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });

// RAMP: classes from the lowest; a grid falls in the last class whose from it reaches.
export const RAMP = [
  { from: 0, color: '#dc2626', label: '< 60%' },
  { from: 0.6, color: '#f97316', label: '60–70%' },
  { from: 0.7, color: '#facc15', label: '70–80%' },
  { from: 0.8, color: '#84cc16', label: '80–90%' },
  { from: 0.9, color: '#16a34a', label: '≥ 90%' },
];
const NONE = { color: '#64748b', label: '无楼栋' };

export function rampClass(v) {
  if (v === null || v === undefined) return NONE;
  let c = RAMP[0];
  for (const r of RAMP) if (v >= r.from) c = r;
  return c;
}

const styles = new Map();
function style(f) {
  const c = rampClass(f.get('coverage'));
  let s = styles.get(c.color);
  if (!s) {
    s = new Style({ fill: new Fill({ color: c.color + '8c' }), stroke: new Stroke({ color: c.color, width: 1 }) });
    styles.set(c.color, s);
  }
  return s;
}

export class Coverage {
  constructor(map) {
    this.source = new VectorSource();
    this.layer = new VectorLayer({ source: this.source, style, zIndex: 1, visible: false, opacity: 0.8 });
    map.addLayer(this.layer);
    this.load = latest((signal) => gql(COVERAGE, {}, signal));
    this.legend = document.getElementById('coverage-legend');
    this.box = document.getElementById('toggle-coverage');
    this.box.addEventListener('change', () => this.toggle(this.box.checked));
    hook.coverage = { on: false, grids: 0, colors: {} };
  }

  async toggle(on) {
    this.layer.setVisible(on);
    this.legend.hidden = !on;
    hook.coverage = { on, grids: 0, colors: {} };
    if (!on) return;
    clear(this.legend).append(h('li', { class: 'muted' }, '加载中…'));
    let data;
    try {
      data = await this.load();
    } catch (e) {
      if (isAbort(e)) return;
      clear(this.legend).append(h('li', { class: 'panel-error' }, e.forbidden ? '当前身份无权查看走访覆盖率' : '走访覆盖率加载失败：' + e.message));
      return;
    }
    const nodes = data.grids.edges.map((e) => e.node);
    this.source.clear();
    this.source.addFeatures(nodes.map((n) => geojson.readFeature({
      type: 'Feature', geometry: n.geometry, properties: { code: n.code, name: n.name, coverage: n.visitCoverage },
    })));
    const counts = new Map();
    for (const n of nodes) {
      const c = rampClass(n.visitCoverage);
      counts.set(c, (counts.get(c) || 0) + 1);
    }
    clear(this.legend).append(...[...RAMP].reverse().concat(NONE).filter((c) => c !== NONE || counts.has(NONE)).map((c) => {
      // Through the CSSOM: the page's policy forbids inline style attributes.
      const box = h('span', { class: 'box' });
      box.style.background = c.color;
      return h('li', { dataset: { color: c.color } }, box, c.label, h('span', { class: 'count' }, String(counts.get(c) || 0)));
    }));
    const colors = {};
    for (const n of nodes) colors[n.code] = rampClass(n.visitCoverage).color;
    hook.coverage = { on: this.box.checked, grids: nodes.length, colors };
  }
}
