// Bundle-time stand-in for the `undici` package (tsconfig.json's `paths` maps `undici` here, and ncc
// resolves through those paths, also for imports inside node_modules). Why it exists: two of our
// dependencies import undici at load, @actions/http-client (ProxyAgent, through @actions/core's OIDC
// client) and @actions/github (fetch, for Octokit). Evaluating undici costs about 40 ms of CPU at the
// start of every step, and none of our actions uses either on its normal path: they talk to AWS
// through the SDK and read @actions/github only for `context`. With this module undici is still
// bundled, and is evaluated the first time one of its exports is read. Measured with
// `node bench/startup.mjs`; the bundle test test/metadata/startup.test.ts checks that starting a
// bundle does not evaluate undici, and that both exports still resolve to undici's.
'use strict';

let undici;
// A different specifier from `undici`, so the paths mapping does not send this require back here.
const load = () => (undici ??= require('undici/index.js'));

module.exports = {
  get ProxyAgent() {
    return load().ProxyAgent;
  },
  get fetch() {
    return load().fetch;
  },
};
