/**
 * The local services behind `dealflow dev`, the test suite's global setup and the bench: a Temporal
 * dev server (SQLite file, devstack/temporal.ts), Redis (append-only file, devstack/redis.ts) and an
 * SMTP catcher (devstack/mail-catcher.ts). Each starts on 127.0.0.1, waits until it really answers,
 * and stops cleanly; no child outlives the process that started it (devstack/processes.ts).
 *
 * Temporal and Redis run as child processes whose output is appended to a log file; the mail
 * catcher runs in-process. Binaries come from the project's `.venv` (see scripts/setup.sh) or PATH.
 */
export { findTemporalCli, freePort, waitForPort, type ManagedService } from './processes';
export { startTemporalDevServer } from './temporal';
export { startRedis } from './redis';
export { startMailCatcher, type CaughtMessage, type MailCatcher } from './mail-catcher';
