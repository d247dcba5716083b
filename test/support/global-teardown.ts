import type { ManagedService } from '../../devstack/services';

export default async function globalTeardown(): Promise<void> {
  const services = ((globalThis as Record<string, unknown>).__DEALFLOW_SERVICES__ ?? []) as ManagedService[];
  for (const s of [...services].reverse()) await s.stop().catch((e) => console.warn(`stopping ${s.name}: ${e}`));
}
