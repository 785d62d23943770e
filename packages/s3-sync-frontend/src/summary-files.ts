import type { SummaryReport } from '@allthrive/toolkit';
import type { SyncPlan } from './plan.js';

/** How many changed files the job summary names; the rest are counted. */
export const LISTED_FILES = 50;

export interface FileChange {
  /** Path relative to the source folder (and to the prefix). */
  path: string;
  change: 'upload' | 're-header' | 'delete';
}

/** Every write of the deploy, in the order it happens: phases 1-3, then deletions. */
export function fileChanges(plan: Pick<SyncPlan, 'files' | 'stale'>): FileChange[] {
  const changes: FileChange[] = [];
  for (const phase of [1, 2, 3]) {
    for (const file of plan.files) {
      if (file.phase !== phase || file.action === 'unchanged') continue;
      changes.push({ path: file.path, change: file.action === 'upload' ? 'upload' : 're-header' });
    }
  }
  for (const object of plan.stale) if (object.action === 'delete') changes.push({ path: object.path, change: 'delete' });
  return changes;
}

const DONE = { upload: 'uploaded', 're-header': 're-headered', delete: 'deleted' } as const;
const PLANNED = { upload: 'to upload', 're-header': 'to re-header', delete: 'to delete' } as const;

/** The summary section naming the changed files (up to LISTED_FILES); none when nothing changed. */
export function changedFilesSection(changes: FileChange[], dryRun: boolean): NonNullable<SummaryReport['sections']> {
  if (changes.length === 0) return [];
  const words = dryRun ? PLANNED : DONE;
  return [
    {
      heading: dryRun ? 'Files a real run would change' : 'Changed files',
      lines: changes.length > LISTED_FILES ? [`First ${LISTED_FILES} of ${changes.length} changed files.`] : [],
      table: { header: ['File', 'Change'], rows: changes.slice(0, LISTED_FILES).map((c) => [c.path, words[c.change]]) },
    },
  ];
}
