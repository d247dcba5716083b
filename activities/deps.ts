/** What activities are built from: injected clients, so tests can hand in their own. */
import type Redis from 'ioredis';
import type { Client } from '@temporalio/client';
import type { Transporter } from 'nodemailer';
import type { Config } from '../config/env';
import type { Logger } from 'pino';
import type { TaskStore } from '../store/tasks/task-store';
import type { RosterIndex } from '../config/roster';

export interface ActivityDeps {
  redis: Redis;
  tasks: TaskStore;
  log: Logger;
  prefix: string;
  /** the current roster (file, or the version an admin stored) */
  roster: () => RosterIndex;
  /** a Temporal client for activities that signal other workflows (threshold propagation) */
  temporal?: () => Client;
  namespace: string;
  config: Config;
  /** the pooled SMTP transport (the worker creates it once and closes it at shutdown) */
  transport?: Transporter;
}
