/** `dealflow rates get|set`: the exchange rates of converted totals, as `PUT /v1/config/rates` (docs/CONFIG.md). */
import type { Command } from 'commander';
import { actorOf, keyValues, metricsOf, table, withActor, withRuntime, type runner } from '../shared';

export function registerRates(program: Command, run: ReturnType<typeof runner>): void {
  const rates = program.command('rates').description('exchange rates for converted totals: get | set (docs/CONFIG.md)');

  rates
    .command('get')
    .description('the current rates (a table), or their history')
    .option('--json', 'the document as JSON')
    .option('--history', 'the versions, newest first, as JSON')
    .action(
      run((o: { json?: boolean; history?: boolean }) =>
        withRuntime(async (rt) => {
          const metrics = metricsOf(rt);
          const out = o.history ? { items: await metrics.ratesConfig.history(100) } : await metrics.ratesConfig.get();
          if (o.json || 'items' in out) console.log(JSON.stringify(out, null, 2));
          else {
            console.log(
              `rates v${out.version}${out.updatedBy ? ` (by ${out.updatedBy} at ${out.updatedAt})` : ' (none configured: no converted totals)'}; base ${out.base}`,
            );
            console.log(
              table(
                Object.entries(out.rates).map(([currency, rate]) => ({ currency, rate })),
                ['currency', 'rate'],
              ),
            );
          }
          return 0;
        }),
      ),
    );

  withActor(
    rates
      .command('set')
      .description('replace the rates (1 CUR = RATE base), versioned and audited')
      .argument('[CUR=RATE...]', 'e.g. EUR=1.08 JPY=0.0067', keyValues(/./, 'CUR=RATE (e.g. EUR=1.08)'))
      .option('--base <currency>', 'the currency totals are converted to'),
  ).action(
    run((pairs: Record<string, string> | undefined, o: { base?: string; as?: string }) =>
      withRuntime(async (rt) => {
        // a rate that is not a number goes to the service as it is, so the refusal names it (rates.JPY)
        const values = Object.fromEntries(
          Object.entries(pairs ?? {}).map(([cur, r]) => [
            cur,
            r.trim() === '' || Number.isNaN(Number(r)) ? r : Number(r),
          ]),
        );
        const doc = await metricsOf(rt).setRates(actorOf(o.as), { base: o.base, rates: values });
        console.log(`rates v${doc.version} saved: base ${doc.base}, ${Object.keys(doc.rates).length} rate(s)`);
        return 0;
      }),
    ),
  );
}
