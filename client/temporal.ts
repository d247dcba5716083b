/** Connecting to Temporal as a client: local dev server, self-hosted with mTLS, or Temporal Cloud with an API key. */
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
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

export async function connectClient(config: Config): Promise<Client> {
  const connection = await Connection.connect({
    address: config.TEMPORAL_ADDRESS,
    tls: tlsFromConfig(config),
    apiKey: config.TEMPORAL_API_KEY,
    connectTimeout: '10s',
  });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}
