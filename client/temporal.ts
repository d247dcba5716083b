/** Connecting to Temporal as a client: local dev server, self-hosted with mTLS, or Temporal Cloud with an API key. */
import fs from 'node:fs';
import {
  Client,
  Connection,
  defaultGrpcRetryOptions,
  isRetryableError,
  makeGrpcRetryInterceptor,
} from '@temporalio/client';
import { InterceptingCall, status as GrpcStatus, type Interceptor } from '@grpc/grpc-js';
import type { Config } from '../config/env';

export function tlsFromConfig(config: Config) {
  if (config.TEMPORAL_TLS_CERT && config.TEMPORAL_TLS_KEY) {
    return {
      clientCertPair: { crt: fs.readFileSync(config.TEMPORAL_TLS_CERT), key: fs.readFileSync(config.TEMPORAL_TLS_KEY) },
      serverRootCACertificate: config.TEMPORAL_TLS_CA ? fs.readFileSync(config.TEMPORAL_TLS_CA) : undefined,
    };
  }
  return config.TEMPORAL_API_KEY ? true : undefined;
}

/**
 * How long one call to Temporal may take, retries included, for a client that answers people (the
 * API): past it the call fails with DEADLINE_EXCEEDED and the API answers 503 (docs/ERRORS.md).
 * A call that sets its own deadline (Connection.withDeadline) keeps it.
 */
const BOUNDED_CALL_DEADLINE_MS = 5_000;
/** An update waits for a worker to run it: a busy worker gets longer before the API gives up. */
const BOUNDED_UPDATE_DEADLINE_MS = 15_000;

/** gRPC methods that wait for something to happen by design (long polls): no deadline is added. */
const LONG_POLLS = new Set(['GetWorkflowExecutionHistory', 'PollWorkflowExecutionUpdate']);

/**
 * The interceptors of a bounded connection: a deadline on every call that has none, and the SDK's
 * retry with fewer attempts — UNAVAILABLE (the server is down) three times within about a second
 * instead of ten within ~19 s, and RESOURCE_EXHAUSTED (a workflow's in-flight update limit) not at
 * all, so a busy lead is answered at once (429 `lead_busy`) instead of after the SDK's backoff.
 */
function boundedInterceptors(): Interceptor[] {
  const defaults = defaultGrpcRetryOptions();
  const deadline: Interceptor = (options, nextCall) => {
    const method = options.method_definition.path.split('/').pop() ?? '';
    if (options.deadline === undefined && !LONG_POLLS.has(method)) {
      options = {
        ...options,
        deadline:
          Date.now() + (method === 'UpdateWorkflowExecution' ? BOUNDED_UPDATE_DEADLINE_MS : BOUNDED_CALL_DEADLINE_MS),
      };
    }
    return new InterceptingCall(nextCall(options));
  };
  const retry = makeGrpcRetryInterceptor({
    delayFunction: defaults.delayFunction,
    retryableDecider: (attempt, status) => {
      if (!isRetryableError(status) || status.code === GrpcStatus.RESOURCE_EXHAUSTED) return false;
      return attempt < (status.code === GrpcStatus.UNAVAILABLE ? 4 : 10);
    },
  });
  return [deadline, retry];
}

/**
 * A client of the configured Temporal. `bounded`: every call answers within
 * BOUNDED_CALL_DEADLINE_MS (boundedInterceptors) — for the API, which must say 503 quickly when
 * Temporal is down rather than hold the caller; workers and scripts wait as long as the SDK does.
 */
export async function connectClient(config: Config, opts: { bounded?: boolean } = {}): Promise<Client> {
  const connection = await Connection.connect({
    address: config.TEMPORAL_ADDRESS,
    tls: tlsFromConfig(config),
    apiKey: config.TEMPORAL_API_KEY,
    connectTimeout: '10s',
    // reconnect within two seconds of the server coming back (gRPC's own backoff grows to 2 minutes)
    ...(opts.bounded
      ? {
          interceptors: boundedInterceptors(),
          channelArgs: { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 2000 },
        }
      : {}),
  });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}
