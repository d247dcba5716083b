/**
 * Builds the web page (web/) into dist/web/ with esbuild: `npx tsx scripts/build-web.ts`.
 * Run by scripts/setup.sh and jest's global setup; the API also builds it at start when the
 * directory is missing or older than the sources.
 */
import { buildWebAssets, WEB_OUT, writeWebAssets } from '../client/api/web-assets';

async function main(): Promise<void> {
  const started = Date.now();
  const files = await buildWebAssets();
  writeWebAssets(files);
  const size = [...files.values()].reduce((n, f) => n + f.body.length, 0);
  console.log(
    `[build-web] ${files.size} files, ${(size / 1024).toFixed(1)} KiB → ${WEB_OUT} in ${Date.now() - started} ms`,
  );
}

main().catch((e: Error) => {
  console.error(`[build-web] failed: ${e.message}`);
  process.exit(1);
});
