// Builds the offline GraphiQL bundle into dist/ (index.html, graphiql.js,
// graphiql.css). dist/ is committed and embedded by graphiql.go.
// Usage: npm ci && npm run build
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const outdir = 'dist';
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

await esbuild.build({
  entryPoints: { graphiql: 'src/index.jsx' },
  outdir,
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  // fonts/images referenced from CSS are inlined, never fetched
  loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
  legalComments: 'eof',
  charset: 'utf8',
  logLevel: 'info',
});

copyFileSync('src/index.html', `${outdir}/index.html`);

// Guard: nothing in the bundle may load from the network at runtime.
const forbidden = /\/\/(fonts\.googleapis\.com|fonts\.gstatic\.com|unpkg\.com|cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com|esm\.sh|cdn\.skypack\.dev)/i;
for (const f of ['index.html', 'graphiql.js', 'graphiql.css']) {
  const text = readFileSync(`${outdir}/${f}`, 'utf8');
  const m = text.match(forbidden);
  if (m) {
    console.error(`dist/${f} references a CDN (${m[0]}); the bundle must work offline`);
    process.exit(1);
  }
  if (f === 'graphiql.css' && /url\(\s*['"]?(https?:)?\/\//i.test(text)) {
    console.error(`dist/${f} has a remote url(); the bundle must work offline`);
    process.exit(1);
  }
}
