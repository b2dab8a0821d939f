// SOAK.md: what ran, what was injected, how long commands took, and every violation with the
// client logs that led to it.

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : undefined);
const secs = (ms) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(2)} s`);
/** Text from the cluster or a client, made safe for a Markdown code block. */
const block = (text) => text.replace(/```/g, "'''").replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** Per op kind: count, exit codes, faults, p50/p99 of the wall time of commands no fault touched. */
export function opTable(ops, kinds) {
  const rows = ['| command | runs | exit codes (code×count) | hit by a signal fault | p50 | p99 | max |', '|---|---|---|---|---|---|---|'];
  for (const kind of kinds) {
    const of = ops.filter((o) => o.kind === kind);
    const codes = new Map();
    for (const o of of) codes.set(o.code, (codes.get(o.code) ?? 0) + 1);
    const clean = of.filter((o) => !o.fault && !o.hung).map((o) => o.ms).sort((a, b) => a - b);
    const codeText = [...codes].sort(([a], [b]) => a - b).map(([c, n]) => `${c}×${n}`).join(', ');
    rows.push(`| ${kind} | ${of.length} | ${codeText || '–'} | ${of.filter((o) => o.fault).length} | ${secs(percentile(clean, 50))} | ${secs(percentile(clean, 99))} | ${secs(clean.at(-1))} |`);
  }
  return rows.join('\n');
}

/** The ops of every client on the violation's workload (or all, without one) in the 90 s before it, and the op it names. */
function opsLeadingTo(v, ops) {
  const from = v.at - 90_000;
  return ops.filter((o) => o.id === v.op || (o.end >= from && o.start <= v.at + 1000 && (!v.workload || o.target === v.workload || !o.args.some((a) => a.includes('/')))));
}

function opLog(o) {
  const when = `${new Date(o.start).toISOString()} → ${new Date(o.end).toISOString()} (${secs(o.ms)})`;
  const extra = [o.fault && `fault: ${o.fault}`, o.interruptedAsPlanned && 'Ctrl-C as planned', o.hung && 'HUNG, killed'].filter(Boolean).join('; ');
  return [`- ${o.id} \`kubectl copy-target ${o.args.join(' ')}\` ${when}, exit ${o.code}${extra ? ` (${extra})` : ''}`, '', '  ```', ...block(`${o.stdout}${o.stderr}`.trim()).split('\n').slice(-25).map((l) => `  ${l}`), '  ```'].join('\n');
}

export function renderReport(r) {
  const lines = [];
  lines.push('# Soak', '');
  lines.push(`Written by \`scripts/soak.mjs\` (\`npm run soak\`, issue 27). ${r.violations.length === 0 ? '**0 violations.**' : `**${r.violations.length} violation(s).**`}`, '');
  lines.push(`- command: \`${r.command}\``);
  lines.push(`- commit: ${r.commit}`);
  lines.push(`- machine: ${r.machine}`);
  lines.push(`- date: ${new Date(r.startedAt).toISOString()} to ${new Date(r.endedAt).toISOString()} (clients ran ${(r.clientsMs / 60000).toFixed(1)} min; the whole run, set-up, wait for leases and checks included, ${((r.endedAt - r.startedAt) / 60000).toFixed(1)} min)`);
  lines.push(`- plugin: ${r.plugin}, run by kubectl's plugin lookup`);
  lines.push(`- cluster: ${r.cluster}; namespace ${r.ns}; seed ${r.seed}`);
  lines.push(`- clients: ${r.clients.map((c) => `${c.name}${c.skew ? ` (clock ${c.skew})` : ''}`).join(', ')}; each a ServiceAccount bound to docs/rbac.yaml's two roles, through the fault proxy`);
  lines.push(`- workloads: ${r.workloads.map((w) => `${w.ref} (${w.field} ${w.initial})`).join(', ')}; claims ${Object.keys(r.claims).join(', ') || 'none'}`, '');
  lines.push('## Commands', '', `${r.ops.length} commands. Wall time is spawn to exit, through kubectl's plugin lookup and the fault proxy (its jitter, 429/503 answers and retries included), on a machine the clients share; p50/p99 leave out commands a signal fault hit. The foreground \`--scale-down\` sessions and \`run\` last as long as the soak lets them (a random Ctrl-C, the local command's sleep).`, '');
  lines.push(opTable(r.ops, r.opKinds), '');
  lines.push('## Faults injected', '', '| fault | count |', '|---|---|');
  for (const [kind, n] of Object.entries(r.faults).sort()) lines.push(`| ${kind} | ${n} |`);
  lines.push('');
  lines.push(`The API server was down ${r.apiServerDowntimes.map((d) => `${new Date(d.from).toISOString().slice(11, 19)}–${d.to ? new Date(d.to).toISOString().slice(11, 19) : '?'}`).join(', ') || 'never'} (UTC; from its stop until it was ready again).`, '');
  lines.push(`Hold watch: ${r.watch.taken} holds taken, ${r.watch.takenOver} taken over (each judged: the replaced hold must have been stale), ${r.watch.released} released; the watches were resumed ${r.watch.watchRestarts} times (the server ends them every 10-20 s here, and at each restart).`, '');
  lines.push('## Invariants', '');
  lines.push('1. never two live holds on one workload (continuous watch);');
  lines.push('2. every workload back at its expected replicas/suspend, no `copy-target.dev/` annotation or label left;');
  lines.push('3. no copy Job, no copy pod left;');
  lines.push('4. no PersistentVolumeClaim deleted or recreated;');
  lines.push('5. every exit code one README documents (for commands not killed by the soak), no stack trace or Node warning on any stderr, no command hung.', '');
  lines.push(`After the clients stopped: waited ${secs(r.leaseWaitMs)} for every lease, ttl and ready-by to pass, then the admin's \`kubectl copy-target gc -n ${r.ns}\` exited ${r.gc.code}${r.gc.stdout.trim() ? ':' : '.'}`, '');
  if (r.gc.stdout.trim()) lines.push('```', block(r.gc.stdout.trim()), '```', '');
  lines.push('What the final checks read:', '', ...r.checked.map((c) => `- ${c}`), '');
  lines.push('## Violations', '');
  if (r.violations.length === 0) lines.push('None.');
  for (const [i, v] of r.violations.entries()) {
    lines.push(`### ${i + 1}. ${v.invariant}${v.workload ? ` (${v.workload})` : ''}`, '', `${new Date(v.at).toISOString()}: ${block(v.message)}`, '', 'Client commands leading to it:', '');
    const led = opsLeadingTo(v, r.ops);
    lines.push(...(led.length ? led.map(opLog) : ['(none in the 90 s before)']), '');
    const met = r.proxyFaults.filter((f) => f.at >= v.at - 90_000 && f.at <= v.at);
    if (met.length) lines.push('Fault proxy, the 90 s before:', '', '```', ...met.map((f) => `${new Date(f.at).toISOString()} ${f.user ?? '?'} ${f.fault} ${block(f.request)}`), '```', '');
  }
  return `${lines.join('\n')}\n`;
}
