// Types for stand-ins.mjs (the release workflow test maps the workflow's actions to stand-ins).
export const STAND_INS: Record<string, string>;
export function remoteActions(workflowFile: string, workspace: string): string[];
export function allthriveRefs(workflowFile: string, workspace: string): string[];
export function writeStandIns(
  workflowFile: string,
  workspace: string,
  dir: string,
): { mapping: Record<string, string>; replaced: { action: string; instead: string }[] };
