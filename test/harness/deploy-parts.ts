/**
 * Expected part statuses of the root action (deploy), for its unit tests and its act tests. Written
 * out here, not imported from the product, so a change to the product's part order fails them.
 */
export type PartName = 'frontend-assets' | 'backend' | 'migrate' | 'frontend-html' | 'invalidate';
export type PartStatus = 'success' | 'failed' | 'cancelled' | 'skipped' | 'not-run';
export type PartRow = [PartName, PartStatus];

/** The order the parts run in, by `migrate-when`: after the services switch (the default) or before. */
const RUN_ORDER: Record<'after' | 'before', PartName[]> = {
  after: ['frontend-assets', 'backend', 'migrate', 'frontend-html', 'invalidate'],
  before: ['frontend-assets', 'migrate', 'backend', 'frontend-html', 'invalidate'],
};

/** Every part succeeded, in run order, but those `overrides` name (a part skipped, for example). */
export function succeeded(migrateWhen: 'after' | 'before' = 'after', overrides: Partial<Record<PartName, PartStatus>> = {}): PartRow[] {
  return RUN_ORDER[migrateWhen].map((part) => [part, overrides[part] ?? 'success']);
}

/**
 * The deploy stopped at `part`, which ended `status`: the parts that run before it succeeded, later
 * ones did not run; `overrides` name the exceptions (an earlier part that had not run yet).
 */
export function stoppedAt(
  part: PartName,
  status: PartStatus,
  migrateWhen: 'after' | 'before' = 'after',
  overrides: Partial<Record<PartName, PartStatus>> = {},
): PartRow[] {
  const order = RUN_ORDER[migrateWhen];
  const at = order.indexOf(part);
  return order.map((name, i) => [name, overrides[name] ?? (i < at ? 'success' : i === at ? status : 'not-run')]);
}

/** The same as the step's `parts` output: an object by part name. */
export function partsOutput(rows: PartRow[]): Record<PartName, PartStatus> {
  return Object.fromEntries(rows) as Record<PartName, PartStatus>;
}
