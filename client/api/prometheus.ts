/**
 * Prometheus `/metrics` for the API process (README "HTTP API", no auth): requests by method, route pattern
 * (`/v1/leads/:id`, never the raw URL, so label values stay few) and status, their duration, the
 * default process metrics, and the board read from the lead facts when scraped (one HGETALL of the
 * facts board counters, whatever the number of leads). One registry per API instance, so several
 * APIs in one process (the tests) don't collide.
 */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FactsStore, ReconcileReport } from '../../store/metrics/facts-store';
import { op, unkeyed } from './openapi';
import { noQuery } from './schemas';

export function registerPrometheus(app: FastifyInstance, facts: FactsStore): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'dealflow_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'dealflow_http_request_duration_seconds',
    help: 'HTTP request duration, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // the three gauges below share one read of the board counters per scrape
  let scrape: ReturnType<FactsStore['board']> | undefined;
  const board = () => (scrape ??= facts.board());
  new Gauge({
    name: 'dealflow_leads',
    help: 'Leads on the board (open, and won still in follow_up) by team and stage, from the lead facts',
    labelNames: ['team', 'stage'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      // one cell per (team, stage, currency): the count of a (team, stage) is their sum
      for (const c of await board()) this.inc({ team: c.team, stage: c.stage }, c.count);
    },
  });
  new Gauge({
    name: 'dealflow_leads_value',
    help: 'Sum of the value of the leads on the board by team, stage and ISO 4217 currency (major units; never added across currencies)',
    labelNames: ['team', 'stage', 'currency'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of await board()) this.inc({ team: c.team, stage: c.stage, currency: c.currency }, c.value);
    },
  });
  new Gauge({
    name: 'dealflow_leads_flagged',
    help: 'Leads at risk (escalation level 2) and stalled (level ≥ 3) by team and stage',
    labelNames: ['team', 'stage', 'flag'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of await board()) {
        this.inc({ team: c.team, stage: c.stage, flag: 'at_risk' }, c.atRisk);
        this.inc({ team: c.team, stage: c.stage, flag: 'stalled' }, c.stalled);
      }
    },
  });

  new Gauge({
    name: 'dealflow_metrics_drift',
    help: 'Drift the last metrics reconcile found (sum of |expected - stored|) by field kind: count, minor, atRisk, stalled (board counters), share, active, closed, contacted (per-lead entries), without_facts (open leads with no facts), stale_facts (closed leads still on the board in their facts)',
    labelNames: ['field'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const last = await facts.lastReconcile<
        ReconcileReport & { withoutFacts?: { count: number }; staleFacts?: { count: number } }
      >();
      if (!last) return;
      for (const [field, n] of Object.entries(last.totals)) this.set({ field }, n);
      this.set({ field: 'without_facts' }, last.withoutFacts?.count ?? 0);
      this.set({ field: 'stale_facts' }, last.staleFacts?.count ?? 0);
    },
  });
  new Gauge({
    name: 'dealflow_metrics_reconciled_timestamp_seconds',
    help: 'When the last metrics reconcile ran (Unix seconds)',
    registers: [registry],
    async collect() {
      this.reset();
      const last = await facts.lastReconcile();
      if (last) this.set(Date.parse(last.at) / 1000);
    },
  });

  app.addHook('onResponse', async (req, reply) => {
    const labels = { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
  const schema = op({
    summary:
      'Prometheus metrics: HTTP requests by route pattern, process metrics, leads per team and stage, their value per team, stage and currency',
    access: unkeyed('public'),
    query: noQuery,
    ok: { 200: 'text/plain; version=0.0.4' },
  });
  app.get('/metrics', { schema }, async (_req, reply) => {
    let text: string;
    try {
      text = await registry.metrics();
    } finally {
      scrape = undefined;
    }
    return reply.header('content-type', registry.contentType).send(text);
  });
  return registry;
}
