// The layers of src/, lowest first. A module may import its own layer and any layer below it,
// never one above (and never in a cycle). `npm test` runs this (npm run lint:deps).
//   kube      the only code that talks to the API server (and imports @kubernetes/client-node)
//   render    writing to the terminal: lines, spinner, tables, formats
//   target    parsing what the user typed: targets, argv, kinds
//   plan      pure: pod template in, Job out; the copy and hold records
//   resolve   reading the target (and what to scale) from the cluster
//   apply     cluster writes: create and wait, take and release holds, events
//   session   a --scale-down session: hold, renew, restore; gc
//   complete  the shell-completion planner
//   commands  each command wired as complete -> validate -> run
// Files directly in src/ (errors, fault, plugin-version; cli at the very top) are shared.
const LAYERS = ['kube', 'render', 'target', 'plan', 'resolve', 'apply', 'session', 'complete', 'commands'];

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer}`,
  comment: `${layer} may not import a layer above it (${LAYERS.slice(i + 1).join(', ')})`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${LAYERS.slice(i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No module may reach itself through its imports',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward,
    {
      name: 'client-node-only-in-kube',
      comment: 'Only src/kube imports the Kubernetes client (type-only imports included)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/kube/' },
      to: { path: '@kubernetes/client-node' },
    },
    {
      name: 'shared-files-import-no-layer-above-render',
      comment: 'errors, fault and plugin-version sit under every layer but render (fault writes a line)',
      severity: 'error',
      from: { path: '^src/(errors|fault|plugin-version)\\.ts$' },
      to: { path: `^src/(${LAYERS.filter((l) => l !== 'render' && l !== 'kube').join('|')})/` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
