#!/usr/bin/env node
// The `dealflow` command. Runs the TypeScript sources directly through tsx's CommonJS hook, so a
// fresh clone needs no build step.
'use strict';
require('tsx/cjs');
require('../client/cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    if (typeof code === 'number') process.exitCode = code;
  })
  .catch((err) => {
    console.error(`dealflow: ${err && err.message ? err.message : err}`);
    process.exitCode = 1;
  });
