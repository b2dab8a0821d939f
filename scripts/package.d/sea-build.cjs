// Runs pkg's SEA builder for one target (spawned by scripts/package.mjs on the Node it embeds).
//
// Why not the pkg CLI: @yao-pkg/pkg 6.23.0's CLI accepts `seaConfig` in package.json but never
// hands it to the SEA builder, so `useCodeCache` is silently dropped and the executable compiles
// the whole bundle at every start. The builder itself (lib-es5/sea.js) honours `opts.seaConfig`
// in simple SEA mode; calling it directly is the smallest change that gets V8's code cache in.
// scripts/package.mjs checks that the pinned pkg version is installed.
const { default: sea } = require('@yao-pkg/pkg/lib-es5/sea.js');
const { default: options } = require('@yao-pkg/pkg/lib-es5/options.js');

const job = JSON.parse(process.env.SEA_BUILD);
options.set({}); // no package.json config: pkg's post-build hook reads it
sea(job.entry, {
  targets: [{ nodeRange: job.nodeRange, platform: job.platform, arch: job.arch, output: job.output }],
  signature: true,
  seaConfig: { useCodeCache: job.useCodeCache, disableExperimentalSEAWarning: true },
}).catch((err) => {
  console.error(err?.message ?? err);
  process.exit(1);
});
