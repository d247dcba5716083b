/**
 * The root of the checkout (or of the installed app, /app in the image): the nearest directory above
 * this file that holds a package.json. It is the same whether the code runs from its TypeScript
 * sources (config/) or compiled (dist/config/, see `npm run build` in CONTRIBUTING.md), so paths
 * such as web/, dist/web/, .data/ and .venv/ resolve alike in both. Not for workflow code (it reads
 * the file system).
 */
import fs from 'node:fs';
import path from 'node:path';

function findRepoRoot(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const REPO_ROOT = findRepoRoot(__dirname);
