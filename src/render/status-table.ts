import { table, type TableUserConfig } from 'table';
import { escapeTerminal } from './terminal.js';

/** One active copy, as `kubectl copy-target status` lists it. */
export interface StatusRow {
  /** KIND/NAME of the original. */
  target: string;
  namespace: string;
  copyPodName: string;
  scaleDown: boolean;
  phase: string;
  age: string;
  owner: string;
  expires: string;
  /** The copy outlived its session (e.g. the original came back); shown next to the pod name. */
  stale?: boolean;
  /** The copy's record cannot be read (see `status`'s warning); shown next to the pod name. */
  damaged?: boolean;
}

export const NO_ACTIVE_TARGETS = 'No active copy targets\n';

const ASCII_BORDER: TableUserConfig['border'] = {
  topBody: '-',
  topJoin: '+',
  topLeft: '+',
  topRight: '+',
  bottomBody: '-',
  bottomJoin: '+',
  bottomLeft: '+',
  bottomRight: '+',
  bodyLeft: '|',
  bodyRight: '|',
  bodyJoin: '|',
  joinBody: '-',
  joinLeft: '+',
  joinRight: '+',
  joinJoin: '+',
  headerJoin: '+',
  joinMiddleDown: '+',
  joinMiddleUp: '+',
  joinMiddleLeft: '+',
  joinMiddleRight: '+',
};

const TABLE_CONFIG: TableUserConfig = {
  border: ASCII_BORDER,
  // Lines above the header, under it, and at the bottom; none between rows.
  drawHorizontalLine: (index, size) => index === 0 || index === 1 || index === size,
  // No width and no truncate: columns grow to their longest cell and never wrap.
  columnDefault: { paddingLeft: 1, paddingRight: 1 },
};

const HEADER = ['Original Target', 'Namespace', 'Copy Pod Name', 'Scale Down?'];
const WIDE_HEADER = [...HEADER, 'Phase', 'Age', 'Owner', 'Expires'];

function cells(row: StatusRow, wide: boolean): string[] {
  const mark = row.damaged === true ? ' (damaged)' : row.stale === true ? ' (stale)' : '';
  const base = [
    row.target,
    row.namespace,
    `${row.copyPodName}${mark}`,
    row.scaleDown ? '*' : '',
  ];
  // Escaped per cell, before the layout: a newline in a value would break its row into lines, and
  // the column widths must be those of what is shown.
  return (wide ? [...base, row.phase, row.age, row.owner, row.expires] : base).map(escapeTerminal);
}

/** The `status` listing: a titled ASCII table, or a one-line notice when nothing is active. */
export function renderStatus(rows: StatusRow[], opts: { wide: boolean }): string {
  if (rows.length === 0) return NO_ACTIVE_TARGETS;
  const data = [opts.wide ? WIDE_HEADER : HEADER, ...rows.map((row) => cells(row, opts.wide))];
  return `Active Copy Targets:\n${table(data, TABLE_CONFIG)}`;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

/**
 * Age as kubectl's AGE column prints it (apimachinery duration.HumanDuration): exact seconds
 * under 2 minutes, minutes+seconds under 10 minutes, then ever coarser units.
 */
export function formatAge(from: Date, now: Date): string {
  const ms = now.getTime() - from.getTime();
  if (Number.isNaN(ms)) return '<invalid>';
  const seconds = Math.trunc(ms / SECOND);
  // Up to a second in the future is tolerated as clock skew between client and server.
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 2 * 60) return `${seconds}s`;

  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) return withRemainder(minutes, 'm', seconds % 60, 's');
  if (minutes < 3 * 60) return `${minutes}m`;

  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) return withRemainder(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;

  const days = Math.trunc(ms / DAY);
  if (hours < 8 * 24) return withRemainder(days, 'd', hours % 24, 'h');
  if (hours < 2 * 365 * 24) return `${days}d`;

  const years = Math.trunc(ms / YEAR);
  if (hours < 8 * 365 * 24) return withRemainder(years, 'y', days % 365, 'd');
  return `${years}y`;
}

function withRemainder(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major}${majorUnit}` : `${major}${majorUnit}${minor}${minorUnit}`;
}
