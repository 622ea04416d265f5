// A tooltip naming the point under the pointer, so that an operator can tell incidents
// and cameras apart before clicking. Hit detection runs at most once a frame: old PCs
// fire pointer moves faster than they can redraw.
import { h } from './dom.js';
import { KIND, LAYERS, statusName } from './labels.js';

const layerName = Object.fromEntries(LAYERS.map((l) => [l.key, l.name]));

export function setupTooltip(map, featureAt) {
  const tip = h('div', { class: 'tooltip', hidden: true });
  map.getTargetElement().append(tip);
  let frame = 0;
  let last = null;
  map.on('pointermove', (evt) => {
    if (evt.dragging) return;
    last = evt.pixel;
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      const best = featureAt(last);
      const point = best && best.key !== 'grid' && best.key !== 'building';
      map.getTargetElement().classList.toggle('pointer', !!best && best.key !== 'grid');
      if (!point) {
        tip.hidden = true;
        return;
      }
      const f = best.f;
      const n = f.get('count');
      tip.textContent = n > 1 ? `${layerName[best.key]} ${n} 个（单击放大）` : describe(best.key, f);
      tip.hidden = false;
      tip.style.left = last[0] + 14 + 'px';
      tip.style.top = last[1] + 14 + 'px';
    });
  });
  map.getViewport().addEventListener('mouseleave', () => { tip.hidden = true; });
}

function describe(key, f) {
  const name = f.get('name') || '';
  switch (key) {
    case 'incident': return `${name} · ${statusName(f.get('status'))}${f.get('overdue') ? ' · 已超期' : ''}`;
    case 'camera':
    case 'service_point':
    case 'party_unit': return `${name} · ${KIND[f.get('kind')] || ''}`;
  }
  return name;
}
