// Runs pkg's SEA builder for one target (spawned by scripts/package.mjs on the Node it embeds).
//
// Why not the pkg CLI: @yao-pkg/pkg 6.23.0's CLI accepts `seaConfig` in package.json but never
// hands it to the SEA builder, so neither `disableExperimentalSEAWarning` nor `useCodeCache` gets
// through. The builder itself (lib-es5/sea.js) honours `opts.seaConfig` in simple SEA mode. The
// release sets useCodeCache false (V8's cache differs on every build: not reproducible); only
// `package.mjs --code-cache` sets it, to measure what it buys.
// scripts/package.mjs installs the pinned pkg version in ./pkg (apart from the project's
// dependencies: it needs Node >= 22) and checks it.
const { default: sea } = require('./pkg/node_modules/@yao-pkg/pkg/lib-es5/sea.js');
const { default: options } = require('./pkg/node_modules/@yao-pkg/pkg/lib-es5/options.js');

const job = JSON.parse(process.env.SEA_BUILD);
options.set({}); // no package.json config: pkg's post-build hook reads it
sea(job.entry, {
  targets: [{ nodeRange: job.nodeRange, platform: job.platform, arch: job.arch, output: job.output }],
  signature: true,
  // `main` overrides pkg's absolute path (see SEA_MAIN in package.mjs): the blob stores it as is.
  seaConfig: { main: process.env.SEA_MAIN, useCodeCache: job.useCodeCache, disableExperimentalSEAWarning: true },
}).catch((err) => {
  console.error(err?.message ?? err);
  process.exit(1);
});
