// Chinese names and colours for the hub's enums: one place, so the legend, the map
// styles and the side panel always agree.

// on: shown when the page opens. The district-wide picture is grids and open incidents;
// the other point layers are a click away rather than piled on top.
export const LAYERS = [
  { key: 'grid', layer: 'GRID', name: '网格', color: '#38bdf8', on: true },
  { key: 'building', layer: 'BUILDING', name: '楼栋', color: '#94a3b8', on: true },
  { key: 'party_unit', layer: 'PARTY_UNIT', name: '党组织', color: '#ef4444', on: false },
  { key: 'camera', layer: 'CAMERA', name: '视频监控', color: '#22d3ee', on: false },
  { key: 'service_point', layer: 'SERVICE_POINT', name: '服务站点', color: '#a78bfa', on: false },
  { key: 'incident', layer: 'INCIDENT', name: '事件', color: '#f59e0b', on: true },
  { key: 'worker', layer: 'WORKER', name: '网格员', color: '#10b981', on: false },
];

// Workflow order: 受理 → 立案 → 派遣 → 处置 → 核查结案.
export const STATUS = {
  REPORTED: { name: '待受理', color: '#f97316' },
  ACCEPTED: { name: '已立案', color: '#facc15' },
  DISPATCHED: { name: '已派遣', color: '#38bdf8' },
  IN_PROGRESS: { name: '处置中', color: '#a855f7' },
  RESOLVED: { name: '已办结', color: '#22c55e' },
  CLOSED: { name: '已结案', color: '#64748b' },
  REJECTED: { name: '不予立案', color: '#475569' },
};
export const OVERDUE_COLOR = '#ff2d2d';

export const LEVEL = { DISTRICT: '区', STREET: '街道/镇', COMMUNITY: '社区', GRID: '网格' };

export const KIND = {
  COMMUNITY_COMMITTEE: '社区党组织',
  GRID_BRANCH: '网格党支部',
  BUILDING_GROUP: '楼栋党小组',
  XUELIANG: '雪亮工程',
  YUNYAN: '云眼卫士',
  LEGAL_SERVICE: '法律服务站',
  MEDIATION: '调解室',
  CIVILIZATION_PRACTICE: '新时代文明实践站',
  ENFORCEMENT: '综合执法',
  STUDIO: '特色工作室',
  POLICE: '24小时警务站',
};

export const SERVICE_COLOR = {
  LEGAL_SERVICE: '#a78bfa',
  MEDIATION: '#34d399',
  CIVILIZATION_PRACTICE: '#fbbf24',
  ENFORCEMENT: '#fb923c',
  STUDIO: '#f472b6',
  POLICE: '#3b82f6',
};

export const CAMERA_STATUS = {
  ONLINE: { name: '在线', color: '#22d3ee' },
  OFFLINE: { name: '离线', color: '#64748b' },
  FAULT: { name: '故障', color: '#f59e0b' },
};

export const SOURCE = {
  WECHAT: '微信上报',
  HOTLINE: '市长热线',
  POLICE_24H: '24小时警局',
  GRID_PATROL: '网格员巡查',
  CAMERA: '视频发现',
  OTHER: '其他',
};

export function statusName(s) {
  return (STATUS[s] && STATUS[s].name) || s || '';
}
