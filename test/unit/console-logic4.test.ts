/** The console's identity pickers: which managed policies to offer for attaching, which users or groups to offer for adding (src/console/web/logic.ts). */
import { describe, expect, it } from 'vitest';
import { addChoices, attachChoices } from '../../src/console/web/logic.js';

describe('attachChoices', () => {
  const local = { name: 'photos-read', arn: 'arn:aws:iam::000000000001:policy/photos-read' };
  const aws = { name: 'ReadOnlyAccess', arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' };
  const other = { name: 'backup', arn: 'arn:aws:iam::000000000001:policy/ops/backup' };

  it('offers the policies not attached yet, by name', () => {
    expect(attachChoices([local, aws, other], [])).toEqual([aws, other, local]);
    expect(attachChoices([local, aws, other], [local.arn])).toEqual([aws, other]);
  });

  it('offers each ARN once, and nothing when all are attached', () => {
    expect(attachChoices([local, local, aws], [aws.arn])).toEqual([local]);
    expect(attachChoices([local], [local.arn])).toEqual([]);
  });

  it('orders policies of the same name (different paths) by ARN', () => {
    const twin = { name: 'photos-read', arn: 'arn:aws:iam::000000000001:policy/a/photos-read' };
    expect(attachChoices([local, twin], [])).toEqual([twin, local]);
  });
});

describe('addChoices', () => {
  it('offers the names not in already, sorted, once each', () => {
    expect(addChoices(['carol', 'alice', 'bob', 'alice'], ['bob'])).toEqual(['alice', 'carol']);
    expect(addChoices(['alice'], ['alice'])).toEqual([]);
    expect(addChoices([], [])).toEqual([]);
  });
});
