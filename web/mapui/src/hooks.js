// The automation hook, window.__gridhub: state the page exposes and ways to find and
// move to things in page coordinates, so that the browser test (or a wall-screen
// controller) can click like an operator does.
import { containsCoordinate } from 'ol/extent';
import { fromLonLat, toLonLat } from 'ol/proj';

export const hook = (window.__gridhub = { rendered: false, counts: {}, live: false, shown: null, layerChanges: [] });

export function installHooks(map, featureAt) {
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
  // Whether the point is in view now (after any animation has ended).
  hook.inView = (lon, lat) => !map.getView().getAnimating() && containsCoordinate(map.getView().calculateExtent(map.getSize()), fromLonLat([lon, lat]));
}

