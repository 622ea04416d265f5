// The GraphQL documents the page sends, in one place.

const GRID_REF = 'id code name level workerName';

// Types share field names with different enum types (kind, status): GraphQL needs
// aliases for them in one selection, which the panel folds back.
export const NODE = `query Node($id: ID!) {
  node(id: $id) {
    id
    ... on Feature { layer name geometry }
    ... on Grid { code level population households areaSquareMeters workerName
      parent { code name } children { id code name level }
      partyUnits { id name kind memberCount } }
    ... on Building { address floors households residents grid { ${GRID_REF} } partyGroup { id name memberCount } }
    ... on PartyUnit { partyKind: kind memberCount parent { id name } building { id name } grid { ${GRID_REF} } }
    ... on Camera { code cameraKind: kind cameraStatus: status headingDegrees grid { ${GRID_REF} } }
    ... on ServicePoint { pointKind: kind address phone openingHours grid { ${GRID_REF} } }
    ... on Incident { code category source status priority reportedAt dueAt closedAt overdue description amountYuan
      timeline { at from to note actor }
      grid { ${GRID_REF} parent { name parent { name } } partyUnits { id name kind memberCount } }
      nearbyCameras(radiusMeters: 200) { distanceMeters feature { id name ... on Camera { code kind status } } } }
    ... on GridWorker { code onDuty lastSeenAt phone grid { ${GRID_REF} }
      assignedIncidents { id code name status overdue } }
  }
}`;

// A worker's patrol on one day, simplified for drawing.
export const TRACK = `query Track($id: ID!, $from: DateTime!, $to: DateTime!) {
  node(id: $id) { ... on GridWorker { track(from: $from, to: $to, simplifyMeters: 5) { geometry points distanceMeters onDutyHours } } }
}`;

export const NEARBY_LEGAL = `query Legal($lon: Float!, $lat: Float!) {
  nearby(lon: $lon, lat: $lat, radiusMeters: 500, layers: [SERVICE_POINT], first: 100) {
    distanceMeters
    feature { id name ... on ServicePoint { kind address phone openingHours } }
  }
}`;

export const UNIT = `query Unit($code: String!) {
  grid(code: $code) {
    id code name level geometry population workerName
    parent { code name level parent { code name level parent { code name level } } }
    children { id code name level geometry }
  }
}`;

export const DISTRICT = `{ grids(level: DISTRICT, first: 1) { edges { node { code name } } } }`;

export const ALL_UNITS = `{ grids(first: 1000) { edges { node { id code name level parent { name } } } } }`;

export const COUNTS = `query Counts($area: AreaInput) {
  stats(area: $area) { population buildings cameras camerasOnline partyUnits servicePoints incidents openIncidents overdueIncidents }
  grids(level: GRID, area: $area, first: 1) { totalCount }
}`;

export const INCIDENT_CHANGED = `subscription Live {
  incidentChanged { id code name status overdue category }
}`;

// Imports committed by anyone, on the layers this role may read.
export const LAYER_CHANGED = `subscription Layers {
  layerChanged { layer inserted updated removed bbox at }
}`;

// Every GRID unit with its visit coverage over the last 30 days, for the shading.
export const COVERAGE = `{ grids(level: GRID, first: 1000) { edges { node { code name geometry visitCoverage(days: 30) } } } }`;
