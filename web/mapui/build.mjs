// Builds the map page into dist/ (index.html, map.js, map.css). dist/ is committed
// and embedded by mapui.go. Usage: npm ci && npm run build
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const outdir = 'dist';
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

await esbuild.build({
  entryPoints: { map: 'src/main.js' },
  outdir,
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  // Command-centre PCs run old browsers: nothing newer than Chrome 80 is assumed.
  target: ['es2019', 'chrome80', 'firefox78'],
  loader: { '.svg': 'dataurl', '.png': 'dataurl' },
  legalComments: 'eof',
  charset: 'utf8',
  logLevel: 'info',
});

copyFileSync('src/index.html', `${outdir}/index.html`);

// Guard: nothing in the bundle may load from the network at runtime.
const forbidden = /\/\/(fonts\.googleapis\.com|fonts\.gstatic\.com|unpkg\.com|cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com|esm\.sh|cdn\.skypack\.dev|tile\.openstreetmap\.org)/i;
for (const f of ['index.html', 'map.js', 'map.css']) {
  const m = readFileSync(`${outdir}/${f}`, 'utf8').match(forbidden);
  if (m) {
    console.error(`dist/${f} references ${m[0]}; the page must work offline`);
    process.exit(1);
  }
}
