// Entry point of the offline GraphiQL bundle served by gridhub at "/".
// Everything (React, GraphiQL, CodeMirror, fonts) is bundled by esbuild into
// dist/graphiql.js + dist/graphiql.css; nothing is loaded from the network
// except the gridhub API itself (same origin).
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/graphiql.css';
import './gridhub.css';

const DEFAULT_QUERY = `# 昆都仑区 — a grid and what is in it.
# Without a key you act as the public. To act as the command centre, put
#   {"Authorization": "Bearer <key>"}
# in the Headers pane below (make run prints the demo keys).
{
  gridAt(lon: 109.8325, lat: 40.6411) {
    code name population
    parent { name }
  }
  stats { incidents openIncidents overdueIncidents }
}
`;

// Same-origin endpoints: HTTP for queries/mutations, graphql-ws
// (graphql-transport-ws protocol) for subscriptions.
const httpURL = new URL('/graphql', window.location.href).toString();
const wsURL = httpURL.replace(/^http/, 'ws'); // http→ws, https→wss

// Headers typed into the headers pane (e.g. {"Authorization": "Bearer …"})
// are sent as HTTP headers and, for subscriptions, merged into the
// graphql-ws connection_init payload (toolkit: wsConnectionParams + headers).
const fetcher = createGraphiQLFetcher({
  url: httpURL,
  subscriptionUrl: wsURL,
  wsConnectionParams: {},
});

function App() {
  return (
    <GraphiQL
      fetcher={fetcher}
      defaultQuery={DEFAULT_QUERY}
      isHeadersEditorEnabled={true}
      defaultHeaders=""
      shouldPersistHeaders={false}
    >
      <GraphiQL.Logo>
        gridhub · <a href="/map/">地图</a> ·{' '}
        <a href="/ogc?f=html" title="OGC API – Features: the same layers for QGIS, ArcGIS Pro and GDAL">OGC API</a>
      </GraphiQL.Logo>
    </GraphiQL>
  );
}

createRoot(document.getElementById('graphiql')).render(<App />);
