// What a person sees in a terminal (issue 12): the plugin run on a real pseudo-terminal 140 columns
// wide, its output replayed on a model screen (screen.ts), and asserted line by line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlugin } from './background.js';
import { apply, deployment } from './copy-helpers.js';
import { freshNamespace, getJson, mustKubectl, plugin } from './harness.js';
import { runInPty } from './pty.js';
import { renderLines, renderScreen } from './screen.js';

const COLUMNS = 140;
const NO_COLOR = { NO_COLOR: '1' };
const SPINNER_FRAME = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
/** The one escape sequence a spinner needs: back to column 1 and erase the line. */
const CLEAR = '\r\x1b[2K';

let ns: string;
let removeNs: () => Promise<void>;

beforeAll(async () => {
  ({ name: ns, remove: removeNs } = await freshNamespace('terminal'));
  // A short grace period: --scale-down waits for the original's pods to terminate.
  await apply(ns, deployment('checkout-api', 3, { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: 'registry.example/checkout-api:1' }] }));
  await mustKubectl(['rollout', 'status', 'deployment/checkout-api', '-n', ns, '--timeout=90s']);
});
afterAll(async () => removeNs?.());

const replicas = async (): Promise<number> => (await getJson(['get', 'deployment', 'checkout-api', '-n', ns])).spec.replicas;

/** The copy pod's name: the one line of the screen that is a bare copy pod name (stdout). */
function podLine(screen: string[]): string {
  const names = screen.filter((l) => /^copy-checkout-api-[a-z0-9]{5}-[a-z0-9]{5}$/.test(l));
  expect(names, screen.join('\n')).toHaveLength(1);
  return names[0]!;
}

const jobOf = (pod: string): string => pod.replace(/-[a-z0-9]{5}$/, '');

const nextHint = (pod: string): string[] => [`Next: kubectl exec -it ${pod} -n ${ns} -- sh`, `  or: mirrord exec --target pod/${pod} -n ${ns} -- <your app>`];

/**
 * The line saying the original's pods terminated, as often as it is there: only when some were
 * still terminating after the scale to zero (timing), with `mark` on a terminal.
 */
const terminated = (lines: string[], mark = '✔ '): string[] => lines.filter((l) => l === `${mark}the pods of deployment/checkout-api terminated`);

/** What holds for every run on a terminal with NO_COLOR: a spinner ran, and left nothing behind. */
function assertTerminalHygiene(raw: string, screen: string[]): void {
  // On a terminal, so a spinner ran (else this test would prove nothing).
  expect(raw).toMatch(SPINNER_FRAME);
  for (const line of screen) {
    expect(line, 'a spinner frame left on screen').not.toMatch(SPINNER_FRAME);
    expect([...line].length, `line wider than the terminal: ${line}`).toBeLessThan(COLUMNS);
  }
  // NO_COLOR: no escape sequence but the line clearing, and that only ever after a CR.
  expect(raw.replaceAll(CLEAR, '')).not.toContain('\x1b');
}


describe('on a terminal 140 columns wide, with NO_COLOR', () => {
  it('a copy: finished steps as ✔ lines, the pod name alone on its line, the Next: hint one suggestion a line', async () => {
    const { code, output } = await runInPty(['deploy/checkout-api', '-n', ns], { env: NO_COLOR }).done;
    expect(code, output).toBe(0);
    const screen = await renderScreen(output, COLUMNS);
    const pod = podLine(screen);
    expect(screen).toEqual([`✔ copy of deployment/checkout-api is Running: pod ${pod}`, pod, ...nextHint(pod)]);
    assertTerminalHygiene(output, screen);
    expect((await plugin(['delete', pod, '-n', ns])).code).toBe(0);
  });

  it("a terminal narrower than the spinner's lines: they are cut to fit, so clearing one row erases them and none is left behind", async () => {
    const narrow = 50;
    const { code, output } = await runInPty(['deploy/checkout-api', '-n', ns, '--new'], { env: NO_COLOR, columns: narrow }).done;
    expect(code, output).toBe(0);
    // The spinner's step is longer than 50 columns ("created job ...; waiting for its pod to be Running").
    expect(output).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] created job copy-checkout-api-[a-z0-9]{5}; [^\r\n]*…\r\x1b\[2K/);
    // Finished lines may wrap (they are permanent); joined again, they are all that is on screen.
    const lines = await renderLines(output, narrow);
    const pod = podLine(lines);
    expect(lines).toEqual([`✔ copy of deployment/checkout-api is Running: pod ${pod}`, pod, ...nextHint(pod)]);
    for (const row of await renderScreen(output, narrow)) expect(row, 'a spinner frame left on screen').not.toMatch(SPINNER_FRAME);
    expect((await plugin(['delete', pod, '-n', ns])).code).toBe(0);
  });

  it('--scale-down --detach: "scaled to 0" stays as a ✔ line and the pod name never runs into the spinner', async () => {
    const { code, output } = await runInPty(['deploy/checkout-api', '-n', ns, '--scale-down', '--detach'], { env: NO_COLOR }).done;
    expect(code, output).toBe(0);
    const screen = await renderScreen(output, COLUMNS);
    const pod = podLine(screen);
    try {
      await detachedCopyChecks(output, screen, pod);
    } finally {
      expect((await plugin(['delete', pod, '-n', ns])).code).toBe(0);
    }
    expect(await replicas()).toBe(3);
  });

  async function detachedCopyChecks(output: string, screen: string[], pod: string): Promise<void> {
    expect(screen).toEqual([
      '✔ deployment/checkout-api scaled to 0 (was 3)',
      ...terminated(screen),
      `✔ copy of deployment/checkout-api is Running: pod ${pod}`,
      pod,
      ...nextHint(pod),
      '✔ detached: deployment/checkout-api stays scaled down until the copy expires in 7h59m',
      `  end it sooner: kubectl copy-target delete ${jobOf(pod)} -n ${ns}`,
    ]);
    assertTerminalHygiene(output, screen);
    // The stdout line stands alone in the raw bytes too: a line of its own, nothing drawn before it.
    expect(output).toContain(`\r\n${pod}\r\n`);

    // status -o wide, while the copy lives: Expires is a duration, and the table fits 140 columns.
    const wide = await plugin(['status', '-o', 'wide', '-n', ns]);
    expect(wide.code, wide.stderr).toBe(0);
    const lines = wide.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(COLUMNS);
    const header = lines[2]!.split('|').map((c) => c.trim());
    const row = lines[4]!.split('|').map((c) => c.trim());
    expect(header.at(-2)).toBe('Expires');
    // 8h only if the server's clock (whole seconds in its Date header) reads under a second since the copy.
    expect(row.at(-2), wide.stdout).toMatch(/^(7h5\dm|8h)$/);
    // -o json keeps the exact time.
    const json = JSON.parse((await plugin(['status', '-o', 'json', '-n', ns])).stdout);
    expect(json.activeCopyTargets[0].expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }

  it('a foreground --scale-down session: one live line updated in place, gone after Ctrl-C, which restores', async () => {
    const run = runInPty(['deploy/checkout-api', '-n', ns, '--scale-down'], { env: NO_COLOR });
    try {
      // The live line has been drawn three times (once a second).
      await expect.poll(() => run.output().split('Ctrl-C to end and restore').length - 1, { timeout: 90_000, interval: 200 }).toBeGreaterThanOrEqual(3);
      expect(await replicas()).toBe(0);
      run.type('\x03');
      const { code, output } = await run.done;
      expect(code, output).toBe(0);
      const screen = await renderScreen(output, COLUMNS);
      const pod = podLine(screen);
      expect(screen).toEqual([
        '✔ deployment/checkout-api scaled to 0 (was 3)',
        ...terminated(screen),
        `✔ copy of deployment/checkout-api is Running: pod ${pod}`,
        pod,
        ...nextHint(pod),
        '✔ holding deployment/checkout-api scaled down while the copy runs; Ctrl-C ends the session and restores it',
        '✔ session ended: received SIGINT',
        `✔ deleted copy job ${jobOf(pod)}; deployment/checkout-api restored to 3 replicas`,
      ]);
      assertTerminalHygiene(output, screen);
      // Between the start and end lines the live line only ever replaced itself: no new line.
      const held = output.slice(output.indexOf('✔ holding'), output.indexOf('✔ session ended'));
      const live = held.split('\r\n').slice(1).join('\r\n');
      expect(live.split(CLEAR).filter(Boolean).length, live).toBeGreaterThanOrEqual(3);
      expect(live).not.toContain('\n');
      expect(live).toMatch(new RegExp(`^holding deployment/checkout-api at 0 · pod ${pod} Running · lease renewed \\d+s ago · Ctrl-C to end and restore`));
      expect(await replicas()).toBe(3);
    } finally {
      run.kill();
    }
  });
});

describe('where stderr is not a terminal', () => {
  it('a foreground --scale-down session writes its start and end lines, and no live line', async () => {
    const s = startPlugin(['deploy/checkout-api', '-n', ns, '--scale-down']);
    await expect.poll(() => s.stderr(), { timeout: 60_000 }).toMatch(/Ctrl-C ends the session/);
    // Long enough for several live-line updates, had they been written.
    await new Promise((r) => setTimeout(r, 2500));
    s.child.kill('SIGINT');
    const r = await s.done;
    expect(r.code, r.stderr).toBe(0);
    const pod = r.stdout.trim();
    const job = jobOf(pod);
    expect(r.stderr.split('\n')).toEqual([
      'deployment/checkout-api scaled to 0 (was 3)',
      ...r.stderr.split('\n').filter((l) => /^waiting for \d+ pods? of deployment\/checkout-api to terminate( \(grace period ends at [0-9T:.-]+Z, in \d+s\))?$/.test(l)),
      ...terminated(r.stderr.split('\n'), ''),
      `created job ${job}; waiting for its pod to be Running`,
      ...r.stderr.split('\n').filter((l) => l.startsWith(`pod ${pod}: `)),
      `copy of deployment/checkout-api is Running: pod ${pod}`,
      ...nextHint(pod),
      'holding deployment/checkout-api scaled down while the copy runs; Ctrl-C ends the session and restores it',
      'session ended: received SIGINT',
      `deleting copy job ${job} and restoring deployment/checkout-api`,
      // The original comes back only once the copy pod is gone: said once, however long it takes.
      ...r.stderr.split('\n').filter((l) => l.startsWith('waiting for pod ')).slice(0, 1),
      `deleted copy job ${job}; deployment/checkout-api restored to 3 replicas`,
      '',
    ]);
    expect(r.stderr).not.toContain('\x1b');
  });
});
