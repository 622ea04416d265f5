// Live updates over graphql-ws (the graphql-transport-ws protocol) on the page's own
// /graphql: incidents as they change, and layers as imports commit. The page works
// without them: when the socket or the incident subscription fails, the indicator says
// so and a new attempt follows, ever more slowly.
import { createClient } from 'graphql-ws';
import { INCIDENT_CHANGED, LAYER_CHANGED } from './queries.js';
import { authHeaders } from './auth.js';

// The protocol has no acknowledgement of a subscription, only an error when it is
// refused: one that has not failed this long after the socket opened counts as live.
const SETTLE_MS = 800;

export function startLive({ onChange, onLayerChange, onState }) {
  const url = new URL('/graphql', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  let socketUp = false;
  let subscribed = false;
  let failures = 0;
  const report = () => onState(socketUp && subscribed);

  const client = createClient({
    url: url.toString(),
    // Browsers cannot set headers on a websocket: the credential goes in connection_init.
    connectionParams: () => authHeaders(),
    lazy: false,
    keepAlive: 15000,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: (n) => new Promise((r) => setTimeout(r, Math.min(30000, 1000 * 2 ** Math.min(n, 5)))),
    on: {
      connected: () => {
        socketUp = true;
        setTimeout(report, SETTLE_MS);
      },
      closed: () => {
        socketUp = false;
        report();
      },
    },
  });

  const subscribe = () => {
    subscribed = true;
    client.subscribe({ query: INCIDENT_CHANGED }, {
      next: (msg) => {
        failures = 0;
        report();
        if (msg.data && msg.data.incidentChanged) onChange(msg.data.incidentChanged);
      },
      // A refused subscription (a server without it, a validation error) is not retried
      // by the client: try again later ourselves.
      error: () => retry(),
      complete: () => retry(),
    });
  };
  const retry = () => {
    subscribed = false;
    report();
    setTimeout(subscribe, Math.min(60000, 5000 * 2 ** Math.min(failures++, 4)));
  };
  subscribe();

  // Layers changed by imports: the indicator follows the incidents alone.
  let layerFailures = 0;
  const subscribeLayers = () => {
    client.subscribe({ query: LAYER_CHANGED }, {
      next: (msg) => {
        layerFailures = 0;
        if (msg.data && msg.data.layerChanged) onLayerChange(msg.data.layerChanged);
      },
      error: () => retryLayers(),
      complete: () => retryLayers(),
    });
  };
  const retryLayers = () => setTimeout(subscribeLayers, Math.min(60000, 5000 * 2 ** Math.min(layerFailures++, 4)));
  subscribeLayers();
  return client;
}
