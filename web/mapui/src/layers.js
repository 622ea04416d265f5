// The hub's vector tile layers: one source per data layer, so that a hidden layer
// fetches nothing and live updates reload the incidents alone.
import VectorTileLayer from 'ol/layer/VectorTile';
import VectorTileSource from 'ol/source/VectorTile';
import MVT from 'ol/format/MVT';
import { LAYERS } from './labels.js';
import { styleFor } from './styles.js';
import { authHeaders } from './auth.js';

// The hub serves every zoom, but from 16 on its tiles only gain precision: OpenLayers
// over-zooms them, as the TileJSON's maxzoom says.
const MAX_TILE_ZOOM = 16;

const Z_INDEX = { grid: 1, building: 2, party_unit: 4, service_point: 5, camera: 3, incident: 6, worker: 7 };

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

// loadTile fetches a tile with the operator's credential (OpenLayers' own loader cannot
// send one). 204 is an empty tile; 403 means the role may not read the layer.
function loadTile(key, onForbidden) {
  return (tile, url) => {
    tile.setLoader((extent, resolution, projection) => {
      fetch(url, { headers: authHeaders() })
        .then((res) => {
          if (res.status === 204 || res.status === 403) {
            if (res.status === 403) onForbidden(key);
            tile.setFeatures([]);
            return null;
          }
          if (!res.ok) throw new Error('tile ' + res.status);
          return res.arrayBuffer().then((data) => {
            tile.setFeatures(tile.getFormat().readFeatures(data, { extent, featureProjection: projection }));
          });
        })
        .catch(() => tile.onError());
    });
  };
}

// makeLayers returns the layers by key; onLoading gets the number of tiles in flight,
// which the page watches to know when every visible tile has arrived.
export function makeLayers(onLoading, onForbidden) {
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
      tileLoadFunction: loadTile(key, onForbidden),
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
