/**
 * The layers and which way they may import (docs/ARCHITECTURE.md, "Layers"; CONTRIBUTING.md,
 * "Layers"). `npm run check:boundaries` checks every source and test file against these rules;
 * scripts/test.sh runs it before the type-check, so a wrong-way import or a runtime cycle fails CI.
 *
 *   workflows/  pure, deterministic workflow code (plus the pure modules listed in PURE_SHARED)
 *   store/      the data layer: Redis stores, versioned configuration, mailer, templates, tokens
 *   activities/ Temporal activities: thin wrappers over store/
 *   client/     the API server, LeadsClient, bulk enrolment, metrics over store/
 *   workers/    the worker process; cli/ the `dealflow` command (every process's entry point)
 *   devstack/   local Temporal, Redis and mail catcher for `dealflow dev`, tests and the bench
 *   bench/      the benchmark, a tool the CLI loads lazily
 */

/** Modules outside workflows/ that workflow code may import: they import nothing but each other. */
const PURE_SHARED = [
  '^config/defaults\\.ts$',
  '^config/scoring\\.ts$',
  '^store/errors\\.ts$',
  '^store/tasks/task\\.ts$',
];

/** Packages workflow code may use: the workflow SDK and pure libraries. */
const WORKFLOW_PACKAGES = ['^@temporalio/workflow', '^@temporalio/common', '^currency-codes'];

module.exports = {
  forbidden: [
    {
      name: 'no-runtime-cycles',
      severity: 'error',
      comment: 'A cycle of value imports: modules load half-initialised. Type-only imports are erased and may cycle.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only', 'type-import'] } },
    },
    {
      name: 'pure-core-has-no-cycles',
      severity: 'error',
      comment:
        'The pure core (workflows/policy/ and the message types of workflows/types.ts) has no import cycle at all, not even of types.',
      from: { path: '^workflows/(policy/|types\\.ts$)' },
      to: { circular: true, viaOnly: { path: '^workflows/(policy/|types\\.ts$)' } },
    },
    {
      name: 'workflows-stay-pure',
      severity: 'error',
      comment:
        'Workflow code is deterministic (CONTRIBUTING.md): no I/O, no Node built-ins, no env. It imports only workflows/, the pure shared modules and the workflow SDK; the Activities interface as a type.',
      from: { path: '^workflows/' },
      to: {
        pathNot: ['^workflows/', ...PURE_SHARED, ...WORKFLOW_PACKAGES.map((p) => `^node_modules/${p.slice(1)}`)],
        dependencyTypesNot: ['type-only', 'type-import'],
      },
    },
    {
      name: 'workflows-types-only-from-outside',
      severity: 'error',
      comment: 'Outside the pure modules, workflow code may only name types (erased at run time).',
      from: { path: '^workflows/' },
      to: {
        path: '^(store|activities|client|cli|workers|devstack|bench|config/(env|roster|repo-root))',
        pathNot: PURE_SHARED,
        dependencyTypesNot: ['type-only', 'type-import'],
      },
    },
    {
      name: 'pure-shared-stays-pure',
      severity: 'error',
      comment: 'The modules workflow code may import import nothing else (they are bundled into the workflow sandbox).',
      from: { path: PURE_SHARED },
      to: {
        pathNot: [...PURE_SHARED, '^workflows/policy/', '^node_modules/currency-codes'],
        dependencyTypesNot: ['type-only', 'type-import'],
      },
    },
    {
      name: 'store-below-activities-and-client',
      severity: 'error',
      comment: 'The data layer serves activities/ and client/; it never imports them (or anything above them).',
      from: { path: '^store/' },
      to: { path: '^(activities|client|cli|workers|devstack|bench)/' },
    },
    {
      name: 'activities-below-client',
      severity: 'error',
      comment: 'Activities run in the worker; they use store/, never the client layer or the entry points.',
      from: { path: '^activities/' },
      to: { path: '^(client|cli|workers|devstack|bench)/' },
    },
    {
      name: 'client-below-entry-points',
      severity: 'error',
      comment: 'client/ is a library for the API, the CLI and the tests; the processes (cli/, workers/) sit above it.',
      from: { path: '^client/' },
      to: { path: '^(cli|workers|devstack|bench)/' },
    },
    {
      name: 'config-at-the-bottom',
      severity: 'error',
      comment: 'config/ (env, defaults, roster schema) is read by every layer and imports none of them.',
      from: { path: '^config/' },
      to: { path: '^(store|activities|client|cli|workers|devstack|bench)/' },
    },
    {
      name: 'devstack-is-a-tool',
      severity: 'error',
      comment:
        'Dev services (local Temporal, Redis, mail catcher) are for `dealflow dev`, tests, scripts and the bench only.',
      from: { pathNot: ['^devstack/', '^cli/dev\\.ts$', '^test/', '^scripts/', '^bench/'] },
      to: { path: '^devstack/' },
    },
    {
      name: 'bench-is-a-tool',
      severity: 'error',
      comment: 'Nothing depends on the benchmark; the CLI loads it lazily by a path (cli/commands/bench.ts).',
      from: { pathNot: ['^bench/', '^test/bench/'] },
      to: { path: '^bench/' },
    },
    {
      name: 'no-test-code-in-sources',
      severity: 'error',
      from: { pathNot: ['^test/', '^scripts/'] },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|web|\\.test-data|\\.data|\\.venv)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
