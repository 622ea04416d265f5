// The hub's vector tile layers: one source per data layer, so that a hidden layer
// fetches nothing and live updates reload the incidents alone.
import VectorTileLayer from 'ol/layer/VectorTile';
import VectorTileSource from 'ol/source/VectorTile';
import MVT from 'ol/format/MVT';
import { LAYERS } from './labels.js';
import { styleFor } from './styles.js';

// The hub serves every zoom, but from 16 on its tiles only gain precision: OpenLayers
// over-zooms them, as the TileJSON's maxzoom says.
const MAX_TILE_ZOOM = 16;

const Z_INDEX = { grid: 1, building: 2, party_unit: 4, service_point: 5, camera: 3, incident: 6 };

// OPEN is what "open" means for an incident: not RESOLVED, CLOSED or REJECTED.
export const OPEN = ['REPORTED', 'ACCEPTED', 'DISPATCHED', 'IN_PROGRESS'];

// tileURL is a layer's tile URL template; statuses filters incidents, and version makes
// the browser fetch anew what it may still hold for the tiles' max-age.
export function tileURL(key, { statuses, version } = {}) {
  const q = [];
  if (statuses) q.push('statuses=' + statuses.join(','));
  if (version) q.push('v=' + version);
  return `/tiles/${key}/{z}/{x}/{y}.mvt` + (q.length ? '?' + q.join('&') : '');
}

// makeLayers returns the layers by key, and a loading counter the page watches to know
// when every visible tile has arrived.
export function makeLayers(onLoading) {
  const layers = {};
  let pending = 0;
  const track = (source) => {
    source.on('tileloadstart', () => onLoading(++pending));
    source.on(['tileloadend', 'tileloaderror'], () => onLoading(--pending));
  };
  for (const { key, on } of LAYERS) {
    const source = new VectorTileSource({
      format: new MVT(),
      url: key === 'incident' ? tileURL(key, { statuses: OPEN }) : tileURL(key),
      maxZoom: MAX_TILE_ZOOM,
      transition: 0,
    });
    track(source);
    layers[key] = new VectorTileLayer({
      source,
      style: styleFor[key],
      zIndex: Z_INDEX[key],
      // Labels and symbols must not pile up on a command-centre wall screen.
      declutter: key === 'grid',
      renderBuffer: 64,
      // Buildings are specks in the district view and their tiles the heaviest there:
      // they are fetched and drawn from street level in.
      minZoom: key === 'building' ? 14 : undefined,
      visible: on,
      properties: { key },
    });
  }
  return layers;
}
