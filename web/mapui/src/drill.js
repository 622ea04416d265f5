// Drill-down through the grid hierarchy: district → street → community → grid, with a
// breadcrumb back up. The unit drilled into is outlined and the view fitted to it.
import VectorLayer from 'ol/layer/Vector';
import VectorSource from 'ol/source/Vector';
import GeoJSON from 'ol/format/GeoJSON';
import { gql, isAbort, latest } from './gql.js';
import { clear, h } from './dom.js';
import { LEVEL } from './labels.js';
import { UNIT } from './queries.js';
import { unitStyle } from './styles.js';

const geojson = new GeoJSON({ dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });

export class Drill {
  constructor(map, { onUnit, onError }) {
    this.map = map;
    this.onUnit = onUnit;
    this.onError = onError;
    this.nav = document.getElementById('breadcrumb');
    this.source = new VectorSource();
    map.addLayer(new VectorLayer({ source: this.source, style: unitStyle, zIndex: 8 }));
    this.unit = null;
    this.load = latest((signal, code) => gql(UNIT, { code }, signal));
  }

  // to drills into the unit with this code; fit: false keeps the view where it is.
  async to(code, { fit = true } = {}) {
    let data;
    try {
      data = await this.load(code);
    } catch (e) {
      if (!isAbort(e)) this.onError('网格加载失败：' + e.message);
      return null;
    }
    const g = data.grid;
    if (!g) {
      this.onError('未找到网格 ' + code);
      return null;
    }
    this.unit = g;
    const f = geojson.readFeature({ type: 'Feature', geometry: g.geometry, properties: {} });
    this.source.clear();
    // The district's outline is always drawn by the tiles; a unit inside it is outlined here.
    if (g.level !== 'DISTRICT') this.source.addFeature(f);
    this.breadcrumb(g);
    if (fit) {
      this.map.getView().fit(f.getGeometry().getExtent(), { padding: [60, 40, 40, 40], duration: 350 });
    }
    this.onUnit(g);
    return g;
  }

  breadcrumb(g) {
    const chain = [];
    for (let u = g; u; u = u.parent) chain.unshift(u);
    clear(this.nav).append(...chain.flatMap((u, i) => {
      const last = i === chain.length - 1;
      const item = last
        ? h('span', { class: 'crumb current', dataset: { code: u.code, level: u.level } }, u.name)
        : h('a', { href: '#', class: 'crumb', dataset: { code: u.code, level: u.level }, onclick: (e) => { e.preventDefault(); this.to(u.code); } }, u.name);
      return i ? [h('span', { class: 'sep' }, '›'), item] : [item];
    }), h('span', { class: 'level-tag' }, LEVEL[g.level]));
  }

  // childLevel is the grid level a click on the map drills into.
  get childLevel() {
    const next = { DISTRICT: 'STREET', STREET: 'COMMUNITY', COMMUNITY: 'GRID' };
    return this.unit ? next[this.unit.level] : 'STREET';
  }
}
