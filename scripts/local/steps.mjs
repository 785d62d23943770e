// What the local stand-ins (scripts/local/stand-ins.mjs) do when a step runs them under act. Each
// does the offline equivalent of the real action against the emulator and says in the log that it
// is a stand-in and what it did instead.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DescribeRepositoriesCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { LOCAL_CREDENTIALS, LOCAL_REGION, clientConfig, imageManifest, registryOf } from './account.mjs';

const input = (name) => (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
const lines = (value) =>
  value
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);

function fileCommand(variable, name, value) {
  const file = process.env[variable];
  if (!file) throw new Error(`${variable} is not set: the stand-in must run under act`);
  const delimiter = `EOF_${Math.random().toString(36).slice(2)}`;
  appendFileSync(file, `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
}
const setOutput = (name, value) => fileCommand('GITHUB_OUTPUT', name, value);
const exportVariable = (name, value) => fileCommand('GITHUB_ENV', name, value);
const addPath = (dir) => {
  if (!process.env.GITHUB_PATH) throw new Error('GITHUB_PATH is not set: the stand-in must run under act');
  appendFileSync(process.env.GITHUB_PATH, `${dir}\n`);
};
/** A folder kept between local runs (pip's and npm's download caches), under ~/.cache/allthrive-local;
 * undefined outside `npm run local` (the release workflow test runs the stand-ins under bare act). */
const cacheDir = (name) => (process.env.ALLTHRIVE_LOCAL_CACHE ? path.join(process.env.ALLTHRIVE_LOCAL_CACHE, name) : undefined);
/** `cache: npm|pip`: the tool's download cache goes to the kept folder. Returns what the step log says. */
function keepCache(tool, variable) {
  const dir = cacheDir(tool);
  if (!dir) return `; ${tool}'s cache is not kept (not run by \`npm run local\`)`;
  exportVariable(variable, dir);
  return `; ${tool}'s download cache kept in ${dir}`;
}

/** The interpreter for a python-version: `python<major.minor>` when it is that version, else python3. */
function findPython(wanted) {
  const minor = /^(\d+\.\d+)/.exec(wanted)?.[1];
  for (const command of [...(minor ? [`python${minor}`] : []), 'python3']) {
    const probe = spawnSync(command, ['-c', 'import sys; print(sys.executable); print("%d.%d.%d" % sys.version_info[:3])'], {
      encoding: 'utf8',
    });
    if (probe.status !== 0) continue;
    const [executable, version] = probe.stdout.trim().split('\n');
    if (!minor || version === wanted || version.startsWith(`${minor}.`) || command === 'python3')
      return { executable, version, matches: !minor || version.startsWith(`${minor}.`) };
  }
  throw new Error('no python3 on PATH: install Python 3 (with its venv module)');
}
const workspacePath = (relative) => path.resolve(process.env.GITHUB_WORKSPACE ?? process.cwd(), relative);
const artifactDir = (name) => {
  const root = process.env.ALLTHRIVE_LOCAL_ARTIFACTS;
  if (!root) throw new Error('ALLTHRIVE_LOCAL_ARTIFACTS is not set: artifacts are only kept when `npm run local` runs the workflow');
  return path.join(root, name.replace(/[^\w.-]/g, '_'));
};

const steps = {
  'aws-actions/configure-aws-credentials'() {
    const region = input('aws-region') || process.env.AWS_REGION || LOCAL_REGION;
    const role = input('role-to-assume');
    exportVariable('AWS_ACCESS_KEY_ID', LOCAL_CREDENTIALS.accessKeyId);
    exportVariable('AWS_SECRET_ACCESS_KEY', LOCAL_CREDENTIALS.secretAccessKey);
    exportVariable('AWS_REGION', region);
    exportVariable('AWS_DEFAULT_REGION', region);
    setOutput('aws-account-id', role.split(':')[4] || '123456789012');
    return `static emulator credentials for ${region}${role ? `; ${role} was not assumed` : ''}`;
  },
  'aws-actions/amazon-ecr-login'() {
    const registry = registryOf(undefined, process.env.AWS_REGION || LOCAL_REGION);
    setOutput('registry', registry);
    return `registry ${registry}, no docker login`;
  },
  'docker/setup-buildx-action'() {
    return 'no builder: the build-push stand-in builds nothing';
  },
  async 'docker/build-push-action'() {
    const tags = lines(input('tags'));
    // One manifest per commit and build file: every tag of one build has the same digest, as with docker.
    const manifest = imageManifest(`${process.env.GITHUB_SHA ?? 'local'}:${input('file') || 'Dockerfile'}`);
    if (input('push') !== 'true') return `push is not true: nothing put into ECR (tags ${tags.join(', ') || 'none'})`;
    if (!process.env.AWS_ENDPOINT_URL) throw new Error('AWS_ENDPOINT_URL is not set: the stand-in pushes to the emulator only');
    const ecr = new ECRClient(clientConfig(process.env.AWS_ENDPOINT_URL, process.env.AWS_REGION || LOCAL_REGION));
    for (const tag of tags) {
      const match = /^[^/]+\.dkr\.ecr\.[^/]+\.amazonaws\.com\/([^:@]+):([\w.-]+)$/.exec(tag);
      if (!match) throw new Error(`tag '${tag}' is not <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`);
      const repositoryName = match[1];
      // Checked first: moto answers a PutImage into a missing repository with an HTTP 500 page
      // instead of ECR's RepositoryNotFoundException.
      await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repositoryName] })).catch((error) => {
        if (error.name !== 'RepositoryNotFoundException') throw error;
        const missing = `ECR repository '${repositoryName}' does not exist in the emulated account: add it under "repositories" in the account file`;
        throw new Error(missing, { cause: error });
      });
      await ecr.send(new PutImageCommand({ repositoryName, imageTag: match[2], imageManifest: manifest })).catch((error) => {
        // The same manifest under a tag it already has (a re-run): ECR answers ImageAlreadyExistsException.
        if (error.name !== 'ImageAlreadyExistsException') throw error;
      });
    }
    // ECR's image digest is the sha256 of the manifest text.
    const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    setOutput('digest', digest);
    setOutput('imageid', digest);
    return `no docker build; ${tags.join(', ')} -> ${digest} in the emulated ECR`;
  },
  // Posts the payload to the webhook (incoming-webhook type) as the real action does, so a local
  // run with `--secret SLACK_WEBHOOK_URL=http://127.0.0.1:<port>/…` shows the message it would send.
  async 'slackapi/slack-github-action'() {
    const webhook = input('webhook');
    if (!webhook) throw new Error('the stand-in only posts to a webhook: set `webhook`');
    const type = input('webhook-type');
    if (type !== 'incoming-webhook') throw new Error(`webhook-type '${type}' is not supported locally (incoming-webhook only)`);
    const file = input('payload-file-path');
    const body = file ? (await import('node:fs')).readFileSync(workspacePath(file), 'utf8') : input('payload');
    const payload = JSON.stringify((await import('yaml')).parse(body)); // JSON or YAML, as the action accepts
    const response = await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
    setOutput('ok', String(response.ok));
    if (!response.ok) throw new Error(`the webhook answered HTTP ${response.status}`);
    return `posted ${payload.length} bytes to the webhook`;
  },
  'actions/setup-node'() {
    setOutput('node-version', process.version);
    setOutput('cache-hit', 'false');
    const cache = input('cache') === 'npm' ? keepCache('npm', 'npm_config_cache') : '';
    return `Node ${process.version} from this checkout, first on PATH${cache}`;
  },
  // A fresh virtual environment of the machine's Python, first on PATH: `python` and `pip` of
  // later steps are the venv's, so nothing is installed into the machine's own Python.
  'actions/setup-python'() {
    const wanted =
      input('python-version') ||
      (input('python-version-file') ? readFileSync(workspacePath(input('python-version-file')), 'utf8').trim() : '');
    const python = findPython(wanted);
    // Outside the workspace, so `ruff check .` and `bandit -r .` do not read the venv.
    const venv = path.join(process.env.ALLTHRIVE_LOCAL_TOOLS || process.env.RUNNER_TEMP, `python-${python.version}`);
    const created = spawnSync(python.executable, ['-m', 'venv', venv], { encoding: 'utf8' });
    if (created.status !== 0)
      throw new Error(`python -m venv failed: ${(created.stderr || created.stdout).trim()} (Debian: apt-get install python3-venv)`);
    const bin = path.join(venv, 'bin');
    addPath(bin);
    exportVariable('VIRTUAL_ENV', venv);
    exportVariable('pythonLocation', venv);
    exportVariable('PIP_DISABLE_PIP_VERSION_CHECK', '1');
    const cache = input('cache') === 'pip' ? keepCache('pip', 'PIP_CACHE_DIR') : '';
    setOutput('python-version', python.version);
    setOutput('python-path', path.join(bin, 'python'));
    setOutput('cache-hit', 'false');
    if (!python.matches)
      console.log(
        `::warning title=local stand-in for actions/setup-python::Python ${wanted} is not installed here: using ${python.version} (${python.executable})`,
      );
    return `Python ${python.version} (${python.executable}) in a fresh venv ${venv}, first on PATH${cache}`;
  },
  'actions/upload-artifact'() {
    const name = input('name') || 'artifact';
    const from = workspacePath(input('path'));
    if (!existsSync(from)) {
      if ((input('if-no-files-found') || 'warn') === 'error') throw new Error(`no files found at ${input('path')}`);
      return `no files at ${input('path')}: nothing uploaded`;
    }
    const to = artifactDir(name);
    mkdirSync(to, { recursive: true });
    // A folder's contents go to the artifact's root, as upload-artifact does for one directory path.
    if (statSync(from).isDirectory()) cpSync(from, to, { recursive: true });
    else cpSync(from, path.join(to, path.basename(from)));
    setOutput('artifact-id', name);
    return `${input('path')} copied to the local artifact '${name}'`;
  },
  'actions/download-artifact'() {
    const name = input('name');
    if (!name) throw new Error('the stand-in downloads one artifact by name: set `name`');
    const from = artifactDir(name);
    if (!existsSync(from)) throw new Error(`Artifact not found: '${name}' (no earlier job of this run uploaded it)`);
    const to = workspacePath(input('path') || '.');
    mkdirSync(to, { recursive: true });
    cpSync(from, to, { recursive: true });
    setOutput('download-path', to);
    return `local artifact '${name}' copied to ${input('path') || '.'}`;
  },
};

/** Runs the stand-in for `action` (`owner/repo@ref`) and reports it in the step's log. */
export async function runStandIn(action) {
  const repo = action.split('@')[0];
  const step = steps[repo];
  if (!step) {
    console.log(
      `::error title=local stand-in::${action} has no offline equivalent and cannot run locally: skip its step under act (\`if: \${{ !env.ACT }}\`).`,
    );
    process.exitCode = 1;
    return;
  }
  try {
    const did = await step();
    console.log(`local stand-in for ${action}: ${did}`);
  } catch (error) {
    console.log(`::error title=local stand-in for ${repo}::${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
