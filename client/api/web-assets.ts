/**
 * The web page's build (docs/ARCHITECTURE.md §13): esbuild bundles `web/src/main.ts` and `web/app.css`
 * into content-hashed files, and `index.html` is written around them (no inline script or style, so
 * the page runs under a strict Content-Security-Policy).
 *
 * `scripts/build-web.ts` (run by scripts/setup.sh and jest's global setup) writes them to
 * `dist/web/`. The API serves that directory; when it is missing or older than the sources it builds
 * them itself at start (and keeps them in memory if it may not write there).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../config/repo-root';

const ROOT = REPO_ROOT;
const WEB_SRC = path.join(ROOT, 'web');
export const WEB_OUT = path.join(ROOT, 'dist', 'web');
const STAMP = '.build-stamp';

export interface WebAsset {
  body: Buffer;
  type: string;
  etag: string;
  /** content-hashed name: may be cached for ever */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

function asset(name: string, body: Buffer): WebAsset {
  return {
    body,
    type: TYPES[path.extname(name)] ?? 'application/octet-stream',
    etag: `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    immutable: name !== 'index.html' && /-[A-Z0-9]{8}\./.test(name),
  };
}

function indexHtml(js: string, css: string): string {
  return `<!doctype html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dealflow</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/${css}">
<script type="module" src="/assets/${js}"></script>
</head>
<body>
<noscript>dealflow's page needs JavaScript.</noscript>
<div id="app"></div>
</body>
</html>
`;
}

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1d4ed8"/><path d="M3 12h2V7H3zm4 0h2V4H7zm4 0h2V9h-2z" fill="#fff"/></svg>\n`;

/** Bundles the page in memory: file name → contents. */
export async function buildWebAssets(): Promise<Map<string, WebAsset>> {
  // esbuild is loaded lazily: the worker and the CLI never need it.
  const esbuild = (await import('esbuild')) as typeof import('esbuild');
  const res = await esbuild.build({
    entryPoints: { app: path.join(WEB_SRC, 'src', 'main.ts'), style: path.join(WEB_SRC, 'app.css') },
    bundle: true,
    format: 'esm',
    target: ['es2020'],
    minify: true,
    sourcemap: false,
    write: false,
    outdir: '/out',
    entryNames: '[name]-[hash]',
    tsconfig: path.join(WEB_SRC, 'tsconfig.json'),
    logLevel: 'silent',
    legalComments: 'none',
  });
  const files = new Map<string, WebAsset>();
  let js = '';
  let css = '';
  for (const f of res.outputFiles) {
    const name = path.basename(f.path);
    if (name.endsWith('.js') && name.startsWith('app-')) js = name;
    if (name.endsWith('.css')) css = name;
    if (name.startsWith('style-') && name.endsWith('.js')) continue; // the css entry's empty js
    files.set(name, asset(name, Buffer.from(f.contents)));
  }
  if (!js || !css) throw new Error('web build produced no app bundle or stylesheet');
  files.set('favicon.svg', asset('favicon.svg', Buffer.from(FAVICON)));
  files.set('index.html', asset('index.html', Buffer.from(indexHtml(js, css))));
  return files;
}

/** Newest modification time (ms) of the page's sources. */
function sourcesMtime(dir = WEB_SRC): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? sourcesMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Writes a build to `outDir`, each file atomically (tmp + rename), stale files removed, stamp last. */
export function writeWebAssets(files: Map<string, WebAsset>, outDir = WEB_OUT): void {
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, a] of files) {
    const tmp = path.join(outDir, `.${name}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, a.body);
    fs.renameSync(tmp, path.join(outDir, name));
  }
  for (const name of fs.readdirSync(outDir)) {
    if (name !== STAMP && !files.has(name) && !name.endsWith('.tmp'))
      fs.rmSync(path.join(outDir, name), { force: true });
  }
  fs.writeFileSync(path.join(outDir, STAMP), new Date().toISOString() + '\n');
}

/** Reads a finished build from `outDir`, or undefined when there is none or it is older than the sources. */
export function readWebAssets(outDir = WEB_OUT): Map<string, WebAsset> | undefined {
  const stamp = path.join(outDir, STAMP);
  if (!fs.existsSync(stamp)) return undefined;
  if (fs.existsSync(WEB_SRC) && fs.statSync(stamp).mtimeMs < sourcesMtime()) return undefined;
  const files = new Map<string, WebAsset>();
  for (const name of fs.readdirSync(outDir)) {
    if (name.startsWith('.')) continue;
    files.set(name, asset(name, fs.readFileSync(path.join(outDir, name))));
  }
  return files.has('index.html') ? files : undefined;
}

/** The page's files; `fromDisk`: they are in WEB_OUT, to be served from there (client/api/routes/web.ts). */
export type WebAssets = Map<string, WebAsset> & { fromDisk?: boolean };

let loading: Promise<WebAssets> | undefined;

/** The page's files for the API: the built directory if current, else a fresh build (written if possible). */
export function loadWebAssets(): Promise<WebAssets> {
  loading ??= (async () => {
    const ready: WebAssets | undefined = readWebAssets();
    if (ready) return Object.assign(ready, { fromDisk: true });
    const files: WebAssets = await buildWebAssets();
    try {
      writeWebAssets(files);
      files.fromDisk = true;
    } catch {
      /* read-only install (e.g. the container's /app): serve from memory */
    }
    return files;
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}
