// Offline stand-ins for the third-party actions of a workflow. act downloads every remote `uses:`
// before it evaluates `if:`, so even steps skipped under act (`if: ${{ !env.ACT }}`: OIDC
// credentials, docker build and push, setup-node) need their action to resolve without network.
// Each stand-in is a local folder mapped with `--local-repository owner/repo@ref=<folder>`; if one
// ever runs, it fails and says the step should have been skipped under act.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The remote actions a workflow uses (`owner/repo[/path]@ref`), except allthrive/actions and
 * actions/checkout (act skips a checkout of the repository under test on its own). */
export function remoteActions(workflowText) {
  const found = new Set();
  for (const [, owner, repo, ref] of workflowText.matchAll(
    /^\s*(?:-\s+)?uses:\s*['"]?([\w.-]+)\/([\w.-]+)(?:\/[^@\s'"]*)?@([^\s'"#]+)/gm,
  )) {
    if (`${owner}/${repo}` === 'allthrive/actions' || `${owner}/${repo}` === 'actions/checkout') continue;
    found.add(`${owner}/${repo}@${ref}`);
  }
  return [...found].sort();
}

/** Writes one stand-in per remote action of `workflowFile` under `dir`; returns the
 * `{ 'owner/repo@ref': folder }` map for act's --local-repository. */
export function writeStandIns(workflowFile, dir) {
  const mapping = {};
  for (const action of remoteActions(readFileSync(workflowFile, 'utf8'))) {
    const folder = path.join(dir, action.replace(/[/@]/g, '__'));
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      path.join(folder, 'action.yml'),
      [
        `name: offline stand-in for ${action}`,
        `description: Lets act resolve ${action} without network; the step using it must be skipped under act.`,
        'runs:',
        '  using: node24',
        '  main: index.cjs',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(folder, 'index.cjs'),
      `console.log('::error::${action} cannot run under act (no network, no OIDC, no docker): add \`if: \${{ !env.ACT }}\` to its step.');\nprocess.exitCode = 1;\n`,
    );
    mapping[action] = folder;
  }
  return mapping;
}
