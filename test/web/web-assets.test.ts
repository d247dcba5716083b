/** The web page's build: hashed files, an index.html that only links them, and the stale check. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildWebAssets, readWebAssets, writeWebAssets } from '../../client/api/web-assets';

describe('the web page build', () => {
  it('bundles the app and stylesheet under content-hashed names linked from index.html, with no inline code', async () => {
    const files = await buildWebAssets();
    const html = files.get('index.html')!.body.toString();
    const js = [...files.keys()].find((n) => /^app-[A-Z0-9]{8}\.js$/.test(n))!;
    const css = [...files.keys()].find((n) => /^style-[A-Z0-9]{8}\.css$/.test(n))!;
    expect(html).toContain(`src="/assets/${js}"`);
    expect(html).toContain(`href="/assets/${css}"`);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son\w+=/i);
    expect(files.get(js)!.immutable).toBe(true);
    expect(files.get('index.html')!.immutable).toBe(false);
    expect(files.get(js)!.body.toString()).not.toMatch(/\.innerHTML\s*=|insertAdjacentHTML|document\.write/);
  });

  it('writes a build that reads back, and treats a build older than the sources as missing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dealflow-web-'));
    try {
      expect(readWebAssets(dir)).toBeUndefined();
      const files = await buildWebAssets();
      writeWebAssets(files, dir);
      const read = readWebAssets(dir)!;
      expect([...read.keys()].sort()).toEqual([...files.keys()].sort());
      expect(read.get('index.html')!.etag).toBe(files.get('index.html')!.etag);
      const old = new Date(Date.now() - 365 * 86_400_000);
      fs.utimesSync(path.join(dir, '.build-stamp'), old, old);
      expect(readWebAssets(dir)).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
