#!/usr/bin/env node
// The `dealflow` command. It runs one of two trees (CONTRIBUTING.md, "Building and running"):
//   - the compiled JavaScript in dist/ (`npm run build`): what production runs (the Docker image
//     sets DEALFLOW_RUN=dist);
//   - the TypeScript sources through tsx's CommonJS hook, so a fresh clone needs no build step.
// DEALFLOW_RUN=dist|sources chooses. Unset, the sources run whenever tsx is installed (a development
// install), so a dist/ left from an earlier build never runs stale code; without tsx (a production
// install, `npm ci --omit=dev`) the compiled tree runs.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const COMPILED = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
const SOURCES = path.join(__dirname, '..', 'cli', 'main.ts');

function tsxInstalled() {
  try {
    require.resolve('tsx/cjs');
    return true;
  } catch {
    return false;
  }
}

function entry() {
  const mode = process.env.DEALFLOW_RUN || (tsxInstalled() || !fs.existsSync(COMPILED) ? 'sources' : 'dist');
  if (mode === 'dist') {
    if (!fs.existsSync(COMPILED))
      throw new Error(`DEALFLOW_RUN=dist but ${COMPILED} does not exist: run \`npm run build\` first`);
    return COMPILED;
  }
  if (mode === 'sources') {
    if (!tsxInstalled())
      throw new Error(
        'running from the TypeScript sources needs tsx (a dev dependency): run `npm ci`, or `npm run build` and DEALFLOW_RUN=dist',
      );
    require('tsx/cjs');
    return SOURCES;
  }
  throw new Error(`DEALFLOW_RUN must be dist or sources, not "${mode}"`);
}

let file;
try {
  file = entry();
} catch (err) {
  console.error(`dealflow: ${err.message}`);
  process.exit(2);
}
/**
 * Once main has settled the command is over. A handle something failed to close (a connection a
 * failed start-up left open) must not keep the process alive: the timer is unref'd, so it only
 * fires when something still holds the event loop, and then ends the process with the exit code.
 */
function done(code) {
  process.exitCode = code;
  setTimeout(() => {
    console.error('dealflow: a handle was left open after the command ended; exiting');
    process.exit(code);
  }, 3000).unref();
}

require(file)
  .main(process.argv.slice(2))
  .then((code) => done(typeof code === 'number' ? code : 0))
  .catch((err) => {
    console.error(`dealflow: ${err && err.message ? err.message : err}`);
    done(1);
  });
