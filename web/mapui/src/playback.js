// Day playback of a worker's patrol: a day picked among the last ones, a time slider,
// and a marker where the worker was at that time. The marker is the end of the track
// from the day's start up to the slider's time (GridWorker.track), so it stands where
// the phone last reported before then, jumps left out, as the track itself is built.
import VectorLayer from 'ol/layer/Vector';
import VectorSource from 'ol/source/Vector';
import GeoJSON from 'ol/format/GeoJSON';
import { containsCoordinate } from 'ol/extent';
import { gql, isAbort, latest } from './gql.js';
import { h } from './dom.js';
import { TRACK } from './queries.js';
import { playbackStyle } from './styles.js';
import { hook } from './hooks.js';

const geojson = new GeoJSON({ dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
const HOUR = 3600e3;
const SHIFT = 8 * HOUR; // Beijing is UTC+8 all year
const DAYS = 7; // GridWorker.track reads at most 7 days; the page offers the last 7
const STEP = 60; // seconds per slider step

// beijingDay is the Beijing calendar day holding the time t, or `back` days before it:
// its bounds and its date.
export function beijingDay(t, back = 0) {
  const d = new Date(new Date(t).getTime() + SHIFT);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - back) - SHIFT;
  const iso = (ms) => new Date(ms).toISOString();
  const b = new Date(start + SHIFT);
  return { start, from: iso(start), to: iso(start + 24 * HOUR), label: `${b.getUTCMonth() + 1}月${b.getUTCDate()}日` };
}

// clock is the Beijing wall-clock time ms after the epoch, as HH:MM.
function clock(ms) {
  const d = new Date(ms + SHIFT);
  const two = (n) => String(n).padStart(2, '0');
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

// lastPoint is the last coordinate of a LineString or MultiLineString.
function lastPoint(g) {
  if (!g) return null;
  const line = g.type === 'MultiLineString' ? g.coordinates[g.coordinates.length - 1] : g.coordinates;
  return line && line.length ? line[line.length - 1] : null;
}

export class Playback {
  constructor(map) {
    this.map = map;
    this.source = new VectorSource();
    map.addLayer(new VectorLayer({ source: this.source, style: playbackStyle, zIndex: 31 }));
    this.loadDay = latest((signal, id, day) => gql(TRACK, { id, from: day.from, to: day.to }, signal));
    this.loadUpTo = latest((signal, id, from, to) => gql(TRACK, { id, from, to }, signal));
    hook.playback = null;
  }

  clear() {
    this.source.clear();
    this.id = null;
    hook.playback = null;
  }

  // element builds the playback controls for worker node, whose latest day's track
  // (node.track on node.trackDay) the panel has already read.
  element(node) {
    this.clear();
    this.id = node.id;
    const days = [];
    for (let i = 0; i < DAYS; i++) days.push(beijingDay(node.lastSeenAt, i));
    const select = h('select', { id: 'playback-day', 'aria-label': '回放日期' },
      days.map((d, i) => h('option', { value: String(i) }, d.label + (i === 0 ? '（最后定位日）' : ''))));
    const slider = h('input', { type: 'range', id: 'playback-time', min: '0', max: String(24 * 3600 / STEP), step: '1', value: String(24 * 3600 / STEP), 'aria-label': '回放时间' });
    const label = h('span', { id: 'playback-clock', class: 'playback-clock' }, '24:00 北京时间');
    const summary = h('div', { id: 'playback-summary', class: 'muted' });
    const where = h('div', { id: 'playback-where', class: 'muted' });
    const state = { id: node.id, day: days[0], track: node.track, seq: 0 };
    hook.playback = { day: days[0].label, time: null, clock: '24:00', marker: null, settled: false };

    const showDay = (track) => {
      state.track = track;
      summary.textContent = track && track.points
        ? `${(track.distanceMeters / 1000).toFixed(1)} 公里 · ${track.onDutyHours.toFixed(1)} 小时 · ${track.points} 个定位点`
        : '当日无定位';
      this.draw(track && track.geometry, null, null);
    };
    // While the slider is dragged one step is asked at a time, then the latest position
    // of the slider: the marker follows without a request for every pixel.
    let busy = false;
    let again = false;
    // The slider's time, shown at once as it moves.
    const time = () => {
      const at = state.day.start + Number(slider.value) * STEP * 1000;
      const text = at >= state.day.start + 24 * HOUR ? '24:00' : clock(at);
      label.textContent = `${text} 北京时间`;
      hook.playback = { ...hook.playback, day: state.day.label, time: new Date(at).toISOString(), clock: text, settled: false };
      return at;
    };
    // fetchStep moves the marker to the slider's time.
    const fetchStep = async () => {
      const seq = ++state.seq;
      const at = time();
      if (!state.track || !state.track.points) {
        this.draw(null, null, null);
        where.textContent = '';
        hook.playback = { ...hook.playback, marker: null, settled: true };
        return;
      }
      let part = null;
      if (at > state.day.start) {
        try {
          const data = await this.loadUpTo(state.id, state.day.from, new Date(at).toISOString());
          part = data.node && data.node.track;
        } catch (e) {
          if (isAbort(e)) return;
          where.textContent = '回放加载失败：' + e.message;
        }
      }
      if (seq !== state.seq || this.id !== state.id) return;
      const p = lastPoint(part && part.geometry);
      this.draw(state.track.geometry, part && part.geometry, p);
      where.textContent = p ? `已巡查 ${(part.distanceMeters / 1000).toFixed(1)} 公里` : '此时尚无轨迹';
      hook.playback = { ...hook.playback, marker: p, settled: !again };
    };
    const move = async () => {
      time();
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      try {
        await fetchStep();
      } finally {
        busy = false;
      }
      if (again) {
        again = false;
        move();
      }
    };
    select.addEventListener('change', async () => {
      const day = days[Number(select.value)];
      state.day = day;
      state.seq++;
      time();
      summary.textContent = '加载中…';
      try {
        const data = await this.loadDay(state.id, day);
        if (this.id !== state.id) return;
        showDay(data.node && data.node.track);
      } catch (e) {
        if (isAbort(e)) return;
        showDay(null);
        summary.textContent = '轨迹加载失败：' + e.message;
      }
      move();
    });
    slider.addEventListener('input', move);
    showDay(node.track);
    move();
    return h('section', { class: 'panel-section playback' },
      h('h3', {}, '轨迹回放'),
      h('div', { class: 'playback-row' }, select, label),
      slider, summary, where);
  }

  // draw shows the day's track, the part walked by the slider's time and the marker.
  draw(day, part, point) {
    this.source.clear();
    const add = (geometry, role) => {
      if (geometry) this.source.addFeature(geojson.readFeature({ type: 'Feature', geometry, properties: { role } }));
    };
    add(day, 'day');
    add(part, 'part');
    if (!point) return;
    add({ type: 'Point', coordinates: point }, 'marker');
    // The map follows the marker when it walks out of view.
    const view = this.map.getView();
    const at = this.source.getFeatures().find((f) => f.get('role') === 'marker').getGeometry().getCoordinates();
    if (!containsCoordinate(view.calculateExtent(this.map.getSize()), at)) view.animate({ center: at, duration: 250 });
  }
}
