import { CopyKeys, type CopyRecord } from '../../src/plan/copy-record.js';

/** One copy record for the plan tests: deployment/web in shop, by alice@laptop, made at 10:00 and expiring at 18:00. */
export const RECORD: CopyRecord = {
  targetKind: 'deployment',
  targetName: 'web',
  targetNamespace: 'shop',
  user: 'alice',
  host: 'laptop',
  scaleDown: true,
  createdAt: new Date('2025-03-01T10:00:00.000Z'),
  expiresAt: new Date('2025-03-01T18:00:00.000Z'),
};

/** RECORD as its copy Job's annotations. */
export const RECORD_ANNOTATIONS: Record<string, string> = {
  [CopyKeys.targetKind]: 'deployment',
  [CopyKeys.targetName]: 'web',
  [CopyKeys.targetNamespace]: 'shop',
  [CopyKeys.user]: 'alice',
  [CopyKeys.host]: 'laptop',
  [CopyKeys.scaleDown]: 'true',
  [CopyKeys.createdAt]: '2025-03-01T10:00:00.000Z',
  [CopyKeys.expiresAt]: '2025-03-01T18:00:00.000Z',
};
