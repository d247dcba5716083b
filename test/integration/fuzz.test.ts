/**
 * A bounded fuzzer over the generated OpenAPI document (issue #17 item 8; README "HTTP API"):
 * schemathesis (installed into .venv by `scripts/setup.sh --for-tests`) generates requests from
 * each operation's schemas — enums, patterns, ranges, the lot — and sends them to a real stack
 * (Temporal, Redis, a worker) with the key of every role: a rep, a manager, marketing, then admin
 * (last: its writes, the roster included, change what the others would reach). The one check is
 * `not_a_server_error`: no input, valid or not, may get a 5xx. Bounded by `--max-examples` per
 * operation, a fixed seed and a request timeout, so a run takes a few minutes at most.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { documentOf } from '../../client/api/openapi';
import { REPO_ROOT } from '../../config/repo-root';
import { KEYS, startStack, type Stack } from '../support/stack';

jest.setTimeout(900_000);

/** the schemathesis CLI: .venv's (scripts/setup.sh --for-tests), or DEALFLOW_SCHEMATHESIS */
const BIN = process.env.DEALFLOW_SCHEMATHESIS ?? path.join(REPO_ROOT, '.venv', 'bin', 'schemathesis');
const MAX_EXAMPLES = Number(process.env.DEALFLOW_FUZZ_EXAMPLES ?? 3);

let stack: Stack;
let dir: string;
let docFile: string;

beforeAll(async () => {
  stack = await startStack();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dealflow-fuzz-'));
  docFile = path.join(dir, 'openapi.json');
  fs.writeFileSync(docFile, JSON.stringify(documentOf(stack.app)));
  // something to reach: a lead of alpha owned by alice
  const made = await stack.call('POST', '/v1/leads', KEYS.admin, {
    id: 'fuzz-a',
    email: 'fuzz.a@example.org',
    name: 'Fuzz A',
    team: 'alpha',
    owner: 'alice',
  });
  expect([200, 201]).toContain(made.status);
});
afterAll(async () => {
  await stack?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function run(key: string): Promise<{ code: number; out: string }> {
  const args = [
    'run',
    docFile,
    '--url',
    stack.baseUrl,
    '--header',
    `Authorization: Bearer ${key}`,
    '--checks',
    'not_a_server_error',
    '--max-examples',
    String(MAX_EXAMPLES),
    '--seed',
    '17',
    '--request-timeout',
    '30',
    '--suppress-health-check',
    'all',
    '--no-color',
  ];
  return new Promise((resolve) => {
    execFile(
      BIN,
      args,
      { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_HOOKS: '' } },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, out: `${stdout}\n${stderr}` });
      },
    );
  });
}

test('schemathesis is installed (scripts/setup.sh --for-tests)', () => {
  expect(fs.existsSync(BIN)).toBe(true);
});

test.each([
  ['rep alice', KEYS.alice],
  ['manager of alpha', KEYS.managerAlpha],
  ['marketing', KEYS.marketing],
  ['admin', KEYS.admin],
])('no generated request is answered with a 5xx (%s)', async (_who, key) => {
  const { code, out } = await run(key);
  // the summary names how many operations and cases ran: the run reached the API
  expect(out).toMatch(/API Operations:|Test cases:/);
  if (code !== 0) throw new Error(`schemathesis found failures:\n${out.slice(-20_000)}`);
});
