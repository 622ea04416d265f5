// OpenLayers styles for the hub's tile layers. Styles are cached by key: an old PC
// redraws thousands of features per frame, and allocating a Style for each is what
// makes panning stutter.
import { Circle, Fill, RegularShape, Stroke, Style, Text } from 'ol/style';
import { CAMERA_STATUS, LAYERS, OVERDUE_COLOR, SERVICE_COLOR, STATUS } from './labels.js';

const FONT = '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif';
const cache = new Map();
function cached(key, make) {
  let s = cache.get(key);
  if (!s) {
    s = make();
    cache.set(key, s);
  }
  return s;
}

const layerColor = Object.fromEntries(LAYERS.map((l) => [l.key, l.color]));

const GRID_STROKE = {
  DISTRICT: { color: '#38bdf8', width: 3.5 },
  STREET: { color: '#7dd3fc', width: 2, dash: [8, 4] },
  COMMUNITY: { color: '#60a5fa', width: 1.6, dash: [5, 3] },
  GRID: { color: '#93c5fd', width: 1 },
};

function gridStyle(f) {
  const level = f.get('level');
  return cached('grid:' + level, () => {
    const s = GRID_STROKE[level] || GRID_STROKE.GRID;
    return new Style({
      stroke: new Stroke({ color: s.color, width: s.width, lineDash: s.dash }),
      fill: level === 'DISTRICT' ? undefined : new Fill({ color: 'rgba(56, 189, 248, 0.04)' }),
      zIndex: level === 'DISTRICT' ? 2 : 1,
    });
  });
}

// drillState names the unit drilled into and the level of its children, which the
// drill-down layer outlines and names: the tiles' labels of those stand aside so that
// no name shows twice.
export const drillState = { unitCode: null, childLevel: null };

function labelStyle(f) {
  const level = f.get('level');
  // The district's own name is the page title; its label would sit on a street's.
  if (level === 'DISTRICT' || level === drillState.childLevel || f.get('code') === drillState.unitCode) return null;
  const name = f.get('name');
  return cached('label:' + level + ':' + name, () => new Style({
    text: new Text({
      text: name,
      font: `${level === 'STREET' ? 'bold 15px' : level === 'COMMUNITY' ? 'bold 13px' : '12px'} ${FONT}`,
      fill: new Fill({ color: level === 'GRID' ? '#cbd5e1' : '#f1f5f9' }),
      stroke: new Stroke({ color: 'rgba(6, 12, 24, 0.9)', width: 3 }),
      overflow: true,
    }),
  }));
}

const buildingStyle = new Style({
  fill: new Fill({ color: 'rgba(148, 163, 184, 0.30)' }),
  stroke: new Stroke({ color: 'rgba(148, 163, 184, 0.75)', width: 0.6 }),
});

// clusterStyle draws a cluster of more than one point as a disc sized by its count.
function clusterStyle(key, f, n) {
  const overdue = f.get('overdueCount') || 0;
  const bucket = n < 10 ? 0 : n < 50 ? 1 : n < 200 ? 2 : 3;
  return cached(`cluster:${key}:${bucket}:${overdue > 0}:${n}`, () => {
    const radius = 11 + bucket * 4;
    return new Style({
      image: new Circle({
        radius,
        fill: new Fill({ color: hexAlpha(layerColor[key], 0.85) }),
        stroke: new Stroke({ color: overdue > 0 ? OVERDUE_COLOR : 'rgba(255, 255, 255, 0.9)', width: overdue > 0 ? 3 : 1.5 }),
      }),
      text: new Text({
        text: String(n),
        font: `bold 12px ${FONT}`,
        fill: new Fill({ color: '#0b1220' }),
      }),
      zIndex: 10,
    });
  });
}

function incidentStyle(f) {
  const n = f.get('count');
  if (n > 1) return clusterStyle('incident', f, n);
  const status = f.get('status');
  const overdue = f.get('overdue') === true;
  return cached(`incident:${status}:${overdue}`, () => {
    const fill = new Fill({ color: (STATUS[status] || STATUS.REPORTED).color });
    const dot = new Style({
      image: new Circle({ radius: 6, fill, stroke: new Stroke({ color: '#0b1220', width: 1.5 }) }),
      zIndex: overdue ? 21 : 20,
    });
    if (!overdue) return dot;
    const ring = new Style({
      image: new Circle({ radius: 10, stroke: new Stroke({ color: OVERDUE_COLOR, width: 2.5 }) }),
      zIndex: 21,
    });
    return [ring, dot];
  });
}

function cameraStyle(f) {
  const n = f.get('count');
  if (n > 1) return clusterStyle('camera', f, n);
  const status = f.get('status');
  return cached('camera:' + status, () => new Style({
    image: new RegularShape({
      points: 3,
      radius: 5,
      fill: new Fill({ color: (CAMERA_STATUS[status] || CAMERA_STATUS.OFFLINE).color }),
      stroke: new Stroke({ color: '#0b1220', width: 1 }),
    }),
    zIndex: 12,
  }));
}

function serviceStyle(f) {
  const n = f.get('count');
  if (n > 1) return clusterStyle('service_point', f, n);
  const kind = f.get('kind');
  return cached('service:' + kind, () => new Style({
    image: new RegularShape({
      points: 4,
      radius: 7,
      angle: Math.PI / 4,
      fill: new Fill({ color: SERVICE_COLOR[kind] || '#a78bfa' }),
      stroke: new Stroke({ color: '#0b1220', width: 1.2 }),
    }),
    zIndex: 14,
  }));
}

function partyStyle(f) {
  const n = f.get('count');
  if (n > 1) return clusterStyle('party_unit', f, n);
  return cached('party', () => new Style({
    image: new RegularShape({
      points: 5,
      radius: 7,
      radius2: 3,
      fill: new Fill({ color: '#ef4444' }),
      stroke: new Stroke({ color: '#fde047', width: 1 }),
    }),
    zIndex: 13,
  }));
}

// A worker is a dot with a white ring: green on duty, grey off.
function workerStyle(f) {
  const n = f.get('count');
  if (n > 1) return clusterStyle('worker', f, n);
  const on = f.get('onDuty') === true;
  return cached('worker:' + on, () => new Style({
    image: new Circle({ radius: 6, fill: new Fill({ color: on ? '#10b981' : '#64748b' }), stroke: new Stroke({ color: '#ffffff', width: 2 }) }),
    zIndex: 22,
  }));
}

export const styleFor = {
  grid: (f) => (f.get('layer') === 'grid_label' ? labelStyle(f) : gridStyle(f)),
  building: () => buildingStyle,
  party_unit: partyStyle,
  camera: cameraStyle,
  service_point: serviceStyle,
  incident: incidentStyle,
  worker: workerStyle,
};

export const highlightStyle = [
  new Style({
    stroke: new Stroke({ color: 'rgba(250, 204, 21, 0.35)', width: 9 }),
  }),
  new Style({
    stroke: new Stroke({ color: '#facc15', width: 3 }),
    image: new Circle({ radius: 14, stroke: new Stroke({ color: '#facc15', width: 3 }) }),
  }),
];

const unitOutline = new Style({
  stroke: new Stroke({ color: '#fbbf24', width: 3 }),
  fill: new Fill({ color: 'rgba(251, 191, 36, 0.06)' }),
  zIndex: 2,
});

// unitStyle draws the unit drilled into and, named, the units one level down in it.
export function unitStyle(f) {
  if (f.get('role') === 'unit') return unitOutline;
  const name = f.get('name');
  return cached('child:' + name, () => new Style({
    stroke: new Stroke({ color: 'rgba(253, 224, 71, 0.75)', width: 1.4, lineDash: [6, 3] }),
    text: new Text({
      text: name,
      font: `bold 14px ${FONT}`,
      fill: new Fill({ color: '#fef3c7' }),
      stroke: new Stroke({ color: 'rgba(6, 12, 24, 0.9)', width: 3 }),
      overflow: true,
    }),
    zIndex: 1,
  }));
}

function hexAlpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

// playbackStyle draws a worker's day in playback: the whole day faint, the part walked
// by the slider's time bright, and where the worker was then.
const playbackStyles = {
  day: new Style({ stroke: new Stroke({ color: 'rgba(250, 204, 21, 0.45)', width: 3 }) }),
  part: new Style({ stroke: new Stroke({ color: '#f97316', width: 4 }) }),
  marker: new Style({
    image: new Circle({ radius: 8, fill: new Fill({ color: '#f97316' }), stroke: new Stroke({ color: '#fff7ed', width: 3 }) }),
    zIndex: 2,
  }),
};
export function playbackStyle(f) {
  return playbackStyles[f.get('role')];
}
