// Offline stand-ins for the third-party actions of a workflow, mapped with act's
// `--local-repository owner/repo@ref=<folder>`. act downloads every remote `uses:` before it
// evaluates `if:`, and nothing here reaches GitHub, so every remote action needs one. The steps
// that cannot run offline get a stand-in that does the local equivalent (scripts/local/steps.mjs:
// emulator credentials instead of OIDC, the emulator's registry instead of an ECR login, an image
// manifest put into the emulator's ECR instead of a docker build and push, a folder instead of the
// artifact service); any other action gets one that fails and names itself if a step runs it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** What each known stand-in does instead, as the run's header prints it. */
export const STAND_INS = {
  'aws-actions/configure-aws-credentials': 'static emulator credentials, no role assumed (no OIDC offline)',
  'aws-actions/amazon-ecr-login': "the emulator account's registry name, no docker login",
  'docker/setup-buildx-action': 'nothing to set up (no image is built)',
  'docker/build-push-action': "no docker build: an image manifest per tag put into the emulator's ECR, its digest as output",
  'slackapi/slack-github-action': 'posts the payload to the webhook URL itself (incoming-webhook only)',
  'actions/setup-node': "the Node 24 this checkout ships, already first on PATH; with cache: npm, npm's cache kept between local runs",
  'actions/setup-python':
    "a fresh venv of this machine's Python (python<version>, else python3) first on PATH; with cache: pip, pip's cache kept between local runs",
  'actions/upload-artifact': 'copies the files to a local artifact folder',
  'actions/download-artifact': 'copies the files back from the local artifact folder',
};

const USES = /^\s*(?:-\s+)?uses:\s*['"]?([^\s'"#]+)/gm;

/** Every `uses:` value of a workflow and of the local reusable workflows it calls
 * (`uses: ./.github/workflows/x.yml`, resolved in `workspace`). */
function usesOf(workflowFile, workspace, seen = new Set()) {
  if (seen.has(workflowFile)) return [];
  seen.add(workflowFile);
  return [...readFileSync(workflowFile, 'utf8').matchAll(USES)].flatMap(([, uses]) => {
    if (!uses.startsWith('./')) return [uses];
    const called = path.join(workspace, uses.split('@')[0]);
    return /\.ya?ml$/.test(called) && existsSync(called) ? usesOf(called, workspace, seen) : [];
  });
}

/** The remote actions a workflow uses (`owner/repo@ref`, path dropped), reusable workflows
 * included; allthrive/actions and actions/checkout are left out (act maps the first to this
 * checkout and skips a checkout of the repository under test on its own). */
export function remoteActions(workflowFile, workspace) {
  const found = new Set();
  for (const uses of usesOf(workflowFile, workspace)) {
    const match = /^([\w.-]+)\/([\w.-]+)(?:\/[^@]*)?@(.+)$/.exec(uses);
    if (!match || uses.startsWith('docker://')) continue;
    const repo = `${match[1]}/${match[2]}`;
    if (repo !== 'allthrive/actions' && repo !== 'actions/checkout') found.add(`${repo}@${match[3]}`);
  }
  return [...found].sort();
}

/** The `allthrive/actions@<ref>` refs a workflow (and the reusable workflows it calls) uses. */
export function allthriveRefs(workflowFile, workspace) {
  const refs = usesOf(workflowFile, workspace).map((uses) => /^allthrive\/actions(?:\/[^@]*)?@(.+)$/.exec(uses)?.[1]);
  return [...new Set(refs.filter(Boolean))].sort();
}

/**
 * Writes one stand-in per remote action of `workflowFile` under `dir`. Returns
 * { mapping: { 'owner/repo@ref': folder } for --local-repository, replaced: [{ action, instead }] }.
 */
export function writeStandIns(workflowFile, workspace, dir) {
  const mapping = {};
  const replaced = [];
  const steps = pathToFileURL(path.join(path.dirname(new URL(import.meta.url).pathname), 'steps.mjs')).href;
  for (const action of remoteActions(workflowFile, workspace)) {
    const repo = action.split('@')[0];
    const folder = path.join(dir, action.replace(/[/@]/g, '__'));
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      path.join(folder, 'action.yml'),
      [
        `name: local stand-in for ${action}`,
        `description: ${JSON.stringify(STAND_INS[repo] ?? 'Lets act resolve the action offline; fails if a step runs it.')}`,
        'runs:',
        '  using: node24',
        '  main: index.mjs',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(folder, 'index.mjs'),
      `import { runStandIn } from ${JSON.stringify(steps)};\nawait runStandIn(${JSON.stringify(action)});\n`,
    );
    mapping[action] = folder;
    replaced.push({ action, instead: STAND_INS[repo] ?? 'fails if a step runs it (no offline equivalent)' });
  }
  return { mapping, replaced };
}
