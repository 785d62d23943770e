#!/usr/bin/env node
// npm run local -- <workflow.yml> [--job <id>] [--event <name>] [--input k=v]... [--var k=v]...
//                  [--secret k=v]... [--account <file.json>] [--workspace <folder>] [--out <folder>]
// Runs your own workflow on this machine against a local AWS emulator (moto): see
// scripts/local/run.mjs for what it does and docs/local-testing.md for how to use it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { preflight, reexecOnNode24, red, root, runLocal } from './local/run.mjs';

reexecOnNode24(fileURLToPath(import.meta.url));

const USAGE = `usage: npm run local -- <workflow.yml> [--job <id>] [--event <name>] [--input name=value]...
                      [--var name=value]... [--secret name=value]... [--account <file.json>]
                      [--workspace <folder>] [--out <folder>]`;

function parseArgs(argv) {
  const options = { inputs: {}, vars: {}, secrets: {} };
  const pair = (flag, value) => {
    const at = (value ?? '').indexOf('=');
    if (at <= 0) throw new Error(`${flag} takes name=value, got '${value ?? ''}'`);
    return [value.slice(0, at), value.slice(at + 1)];
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--job' || arg === '-j') options.job = value();
    else if (arg === '--event') options.event = value();
    else if (arg === '--account') options.accountFile = value();
    else if (arg === '--out') options.out = value();
    else if (arg === '--workspace') options.product = path.resolve(process.env.INIT_CWD ?? process.cwd(), value());
    else if (arg === '--input') {
      const [k, v] = pair(arg, value());
      options.inputs[k] = v;
    } else if (arg === '--var') {
      const [k, v] = pair(arg, value());
      options.vars[k] = v;
    } else if (arg === '--secret') {
      const [k, v] = pair(arg, value());
      options.secrets[k] = v;
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else if (options.workflowFile) throw new Error(`one workflow per run (got ${options.workflowFile} and ${arg})`);
    else options.workflowFile = path.resolve(process.env.INIT_CWD ?? process.cwd(), arg);
  }
  if (!options.workflowFile) throw new Error('name the workflow file to run');
  if (!existsSync(options.workflowFile)) throw new Error(`${options.workflowFile} does not exist`);
  if (options.accountFile) options.accountFile = path.resolve(process.env.INIT_CWD ?? process.cwd(), options.accountFile);
  return options;
}

let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error(red(`npm run local: ${error.message}`));
  console.error(USAGE);
  process.exit(2);
}
await preflight('npm run local');
const name = path.basename(options.workflowFile).replace(/\.ya?ml$/, '');
process.exit(await runLocal({ ...options, out: options.out ?? path.join(root, '.tmp', 'local', name) }));
