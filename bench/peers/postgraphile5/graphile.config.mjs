// PostGraphile v5 over the benchmark database, as bench/run.sh starts it: the amber preset
// (PostGraphile's recommended defaults), read-only (no mutations), one Node.js process,
// with graphile-postgis's geometry types and fields. Its spatial filters need
// graphile-connection-filter, which the npm registry does not serve, so they are left out:
// v5 can read geometry but not filter by it, and is measured on the nested workloads
// (N1, N2), which need none. DATABASE_URL and PORT come from bench/run.sh.
import { createRequire } from "node:module";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

const require = createRequire(import.meta.url);
const plugin = (file, name) => require(`graphile-postgis/plugins/${file}`)[name];

export default {
  extends: [PostGraphileAmberPreset],
  plugins: [
    plugin("codec", "PostgisCodecPlugin"),
    plugin("inflection", "PostgisInflectionPlugin"),
    plugin("detect-extension", "PostgisExtensionDetectionPlugin"),
    plugin("register-types", "PostgisRegisterTypesPlugin"),
    plugin("geometry-fields", "PostgisGeometryFieldsPlugin"),
  ],
  disablePlugins: ["MutationPlugin"],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      poolConfig: { max: 16 },
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.PORT || 5678),
    graphiql: false,
    watch: false,
  },
  grafast: { explain: false },
};
