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

const NO_ACTIVE_TARGETS = 'No active copy targets\n';

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
