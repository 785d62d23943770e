import { formatDuration, systemClock, type Logger, type SummaryReport } from '@allthrive/toolkit';
import { formatBytes } from './format.js';
import type { SyncOptions } from './options.js';
import { deleteStale, publishHtml, uploadAssets } from './phases.js';
import { changedPaths, htmlGroups, planSync, type PlannedFile, type SyncDeps, type SyncPlan } from './plan.js';
import { changedFilesSection, fileChanges, type FileChange } from './summary-files.js';

export interface SyncResult {
  dryRun: boolean;
  bucket: string;
  prefix: string;
  /** Files in the source (excluded ones not counted). */
  files: number;
  uploaded: number;
  /** Same content, new Cache-Control/Content-Type applied in place. */
  reheadered: number;
  unchanged: number;
  deleted: number;
  /** Stale objects left in place (grace period, or `delete` off). */
  kept: number;
  excluded: number;
  bytesUploaded: number;
  /**
   * URL paths a cache may hold stale copies of (feeds cloudfront-invalidate). Always `[]` in a dry
   * run: nothing was written, so a chained invalidation must send nothing.
   */
  changedPaths: string[];
  /** The paths a real run would put in changedPaths (equal to changedPaths outside a dry run). */
  plannedPaths: string[];
  /** HeadObject calls made while planning. */
  heads: number;
  durationMs: number;
  phases: SyncPlan['progress']['phases'];
  /** Every file written or deleted (planned, in a dry run), for the job summary. */
  changes: FileChange[];
}

/** The result of a plan whose phases have run (or, for a dry run, would run). */
export function syncResult(plan: SyncPlan, deps: Pick<SyncDeps, 'clock'> = {}): SyncResult {
  const clock = deps.clock ?? systemClock;
  const count = (action: PlannedFile['action']) => plan.files.filter((f) => f.action === action).length;
  const deletePhase = plan.progress.phases.find((p) => p.name === 'stale objects');
  const deleted = deletePhase ? deletePhase.deleted : 0;
  const planned = changedPaths(plan);
  return {
    dryRun: plan.options.dryRun,
    bucket: plan.bucket,
    prefix: plan.prefix,
    files: plan.files.length,
    uploaded: count('upload'),
    reheadered: count('reheader'),
    unchanged: count('unchanged'),
    deleted,
    kept: plan.stale.length - deleted,
    excluded: plan.excludedLocal + plan.excludedRemote,
    bytesUploaded: plan.options.dryRun
      ? plan.files.filter((f) => f.action === 'upload').reduce((sum, f) => sum + f.size, 0)
      : plan.progress.bytesUploaded,
    changedPaths: plan.options.dryRun ? [] : planned,
    plannedPaths: planned,
    heads: plan.heads,
    durationMs: clock.now() - plan.startedAt,
    phases: plan.progress.phases,
    changes: fileChanges(plan),
  };
}

/** The full plan, one line per write, for dry runs. */
export function formatPlan(plan: SyncPlan): string[] {
  const lines: string[] = [];
  const describe = (f: PlannedFile) =>
    `  ${f.action === 'upload' ? 'upload  ' : 're-header'} ${f.key} (${f.reason}; ${formatBytes(f.size)}; Cache-Control: ${f.cacheControl}; Content-Type: ${f.contentType})`;
  const section = (title: string, files: PlannedFile[]) => {
    const writes = files.filter((f) => f.action !== 'unchanged');
    lines.push(`${title}: ${writes.length} to write, ${files.length - writes.length} unchanged`);
    for (const f of writes) lines.push(describe(f));
  };
  section(
    'Phase 1 content-hashed files',
    plan.files.filter((f) => f.phase === 1),
  );
  section(
    'Phase 2 other non-HTML files',
    plan.files.filter((f) => f.phase === 2),
  );
  section('Phase 3 HTML (in this order)', htmlGroups(plan.files.filter((f) => f.phase === 3)).flat());
  const deletes = plan.stale.filter((s) => s.action === 'delete');
  lines.push(`Phase 4 stale objects: ${deletes.length} to delete, ${plan.stale.length - deletes.length} kept`);
  for (const s of plan.stale) {
    const why =
      s.action === 'delete'
        ? s.hashed
          ? 'content-hashed, grace period over'
          : 'no longer in the source'
        : s.existsLocally
          ? 'its file exists in the source'
          : !plan.options.delete
            ? '`delete` is off'
            : `content-hashed, grace period until ${new Date(s.deleteAfter ?? 0).toISOString()}`;
    lines.push(`  ${s.action === 'delete' ? 'delete   ' : 'keep     '} ${s.key} (${why})`);
  }
  return lines;
}

/**
 * The whole deploy: plan, then upload assets (phases 1-2), publish HTML (3), delete stale objects
 * and write the manifest (4). Each phase starts only when the previous one fully succeeded. A dry
 * run prints the plan and writes nothing. The root action calls the phases itself to deploy the
 * backend between assets and HTML.
 */
export async function runSync(options: SyncOptions, deps: SyncDeps): Promise<SyncResult> {
  const plan = await planSync(options, deps);
  if (options.dryRun) await logPlan(plan, deps.logger);
  await uploadAssets(plan, deps);
  await publishHtml(plan, deps);
  await deleteStale(plan, deps);
  const result = syncResult(plan, deps);
  if (result.dryRun) {
    const list = result.plannedPaths.length ? `: ${result.plannedPaths.join(' ')}` : '';
    deps.logger.info(
      `Dry run: a real run would invalidate ${result.plannedPaths.length} path(s)${list} (changed-paths is [] because nothing was written; the list is in the planned-paths output).`,
    );
  }
  deps.logger.info(
    `${result.dryRun ? 'Dry run, nothing changed: would upload' : 'Done: uploaded'} ${result.uploaded} (${formatBytes(result.bytesUploaded)}), ` +
      `re-headered ${result.reheadered}, unchanged ${result.unchanged}, deleted ${result.deleted}, kept ${result.kept} ` +
      `in ${formatDuration(result.durationMs)}; ${result.changedPaths.length} path(s) to invalidate.`,
  );
  return result;
}

async function logPlan(plan: SyncPlan, logger: Logger): Promise<void> {
  await logger.group(`Plan for s3://${plan.bucket}/${plan.prefix} (dry run: nothing is written)`, async () => {
    for (const line of formatPlan(plan)) logger.info(line);
  });
}

/** The job summary: one table of what the deploy did. */
export function summaryReport(result: SyncResult): SummaryReport {
  const target = `s3://${result.bucket}/${result.prefix}`;
  const report: SummaryReport = {
    title: result.dryRun ? `s3-sync-frontend: dry run for ${target}` : `s3-sync-frontend: deployed to ${target}`,
    lines: [
      result.dryRun
        ? 'Dry run: nothing was written; the counts are what a real run would do.'
        : `Finished in ${formatDuration(result.durationMs)}.`,
      `${result.dryRun ? 'A real run would send' : 'Sent to changed-paths:'} ${result.plannedPaths.length} path(s) for CloudFront invalidation${result.plannedPaths.length ? `: ${result.plannedPaths.slice(0, 20).join(' ')}${result.plannedPaths.length > 20 ? ' ...' : ''}` : ''}${result.dryRun ? ' (changed-paths is [] in a dry run)' : ''}.`,
    ],
    table: {
      header: ['Uploaded', 'Re-headered', 'Unchanged', 'Deleted', 'Kept', 'Bytes uploaded', 'Time'],
      rows: [
        [
          String(result.uploaded),
          String(result.reheadered),
          String(result.unchanged),
          String(result.deleted),
          String(result.kept),
          formatBytes(result.bytesUploaded),
          formatDuration(result.durationMs),
        ],
      ],
    },
    sections: result.phases.length
      ? [
          {
            heading: 'Phases',
            table: {
              header: ['Phase', 'Uploaded', 'Re-headered', 'Unchanged', 'Deleted', 'Kept', 'Bytes', 'Time'],
              rows: result.phases.map((p) => [
                p.name,
                String(p.uploaded),
                String(p.reheadered),
                String(p.unchanged),
                String(p.deleted),
                String(p.kept),
                formatBytes(p.bytes),
                formatDuration(p.durationMs),
              ]),
            },
          },
        ]
      : undefined,
  };
  report.sections = [...(report.sections ?? []), ...changedFilesSection(result.changes ?? [], result.dryRun)];
  return report;
}
