#!/usr/bin/env node
// npm run release -- X.Y.Z [--no-push]
// Checks the version is semver and greater than the last vX.Y.Z tag, that the tree is clean,
// CHANGELOG.md has user-facing notes under `## Unreleased`, and dist/ is fresh; bumps package.json
// and the toolkit's VERSION, turns `## Unreleased` into `## vX.Y.Z (date)`, rebuilds, commits, tags
// vX.Y.Z and moves vX and vX.Y to it,
// then pushes the branch and all three tags in one atomic push (no half-released state).
// RELEASE_BUILD_COMMAND / RELEASE_CHECK_DIST_COMMAND override the build steps (tests use them).
import { execFileSync, execSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import semver from 'semver';

const args = process.argv.slice(2);
const push = !args.includes('--no-push');
const requested = args.find((a) => !a.startsWith('--'));
const fail = (message) => {
  console.error(`release: ${message}`);
  process.exit(1);
};
const git = (...gitArgs) => execFileSync('git', gitArgs, { encoding: 'utf8' }).trim();

const version = semver.valid(semver.clean(requested ?? ''));
if (!version || semver.prerelease(version))
  fail(`'${requested ?? ''}' is not a release version: give X.Y.Z, for example npm run release -- 1.2.3.`);

const tags = git('tag', '--list', 'v*.*.*')
  .split('\n')
  .filter((t) => semver.valid(t));
const last = tags.sort(semver.rcompare)[0];
if (last && !semver.gt(version, last)) fail(`v${version} is not greater than the last release ${last}.`);

if (git('status', '--porcelain')) fail('the work tree has uncommitted changes; commit or stash them first.');

// Release notes are written for users (what changed in each action and its inputs), not made of
// commit subjects: the release takes the `## Unreleased` section as written.
const changelog = existsSync('CHANGELOG.md') ? readFileSync('CHANGELOG.md', 'utf8') : '';
const unreleased = /^## Unreleased[ \t]*\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(changelog);
if (!unreleased || !unreleased[1].trim())
  fail(
    "CHANGELOG.md has no '## Unreleased' section with notes: write what changed for users (each action, its new or changed inputs and outputs) under '## Unreleased' and commit it first.",
  );

const run = (command) => execSync(command, { stdio: 'inherit' });
run(process.env.RELEASE_CHECK_DIST_COMMAND ?? 'npm run --silent check-dist');

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
pkg.version = version;
writeFileSync('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
const versionFile = 'packages/toolkit/src/version.ts';
writeFileSync(versionFile, readFileSync(versionFile, 'utf8').replace(/VERSION = '[^']*'/, `VERSION = '${version}'`));

const date = new Date().toISOString().slice(0, 10);
writeFileSync('CHANGELOG.md', changelog.replace(/^## Unreleased[ \t]*$/m, `## v${version} (${date})`));

run(process.env.RELEASE_BUILD_COMMAND ?? 'npm run --silent build');
git('add', '-A', 'package.json', versionFile, 'CHANGELOG.md', 'dist');
git('commit', '-q', '-m', `Release v${version}`);

const major = `v${semver.major(version)}`;
const minor = `v${semver.major(version)}.${semver.minor(version)}`;
git('tag', '-a', `v${version}`, '-m', `v${version}`);
git('tag', '-f', major, `v${version}^{commit}`);
git('tag', '-f', minor, `v${version}^{commit}`);
console.log(`release: tagged v${version}; ${major} and ${minor} now point at it`);

if (push) {
  const branch = git('rev-parse', '--abbrev-ref', 'HEAD');
  execFileSync(
    'git',
    ['push', '--atomic', 'origin', `HEAD:refs/heads/${branch}`, `refs/tags/v${version}`, `+refs/tags/${major}`, `+refs/tags/${minor}`],
    {
      stdio: 'inherit',
    },
  );
  console.log(`release: pushed ${branch}, v${version}, ${major}, ${minor} in one atomic push`);
}
