// Counts for the layer list and the header, from GraphQL stats over the current view.
import { transformExtent } from 'ol/proj';
import { gql, isAbort, latest } from './gql.js';
import { COUNTS } from './queries.js';

export class Counts {
  constructor(map, onCounts) {
    this.map = map;
    this.onCounts = onCounts;
    this.load = latest((signal, area) => gql(COUNTS, { area }, signal));
    let timer = null;
    // Panning fires many moveends; one query after the view settles is enough.
    map.on('moveend', () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.refresh(), 250);
    });
  }

  async refresh() {
    const size = this.map.getSize();
    if (!size) return;
    const [minLon, minLat, maxLon, maxLat] = transformExtent(this.map.getView().calculateExtent(size), 'EPSG:3857', 'EPSG:4326');
    try {
      const data = await this.load({ bbox: [minLon, minLat, maxLon, maxLat] });
      this.onCounts({ ...data.stats, grids: data.grids.totalCount });
    } catch (e) {
      if (!isAbort(e)) this.onCounts(null);
    }
  }
}
