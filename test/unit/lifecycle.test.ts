import { describe, expect, it } from 'vitest';
import { parseLifecycle } from '../../src/s3/ops/BucketLifecycle.js';
import { parseXml } from '../../src/xml/xml.js';
import { currentExpiry, dueCutoff, eligibleAt, expirationHeader, filterMatches, nextMidnight, type LifecycleRule } from '../../src/core/lifecycle.js';

const at = (s: string) => Date.parse(s);

describe('lifecycle rule matching', () => {
  const obj = { key: 'logs/2024/a.txt', size: 1000, tags: [['env', 'prod'] as [string, string], ['team', 'blue'] as [string, string]] };
  it('Prefix', () => {
    expect(filterMatches({ prefix: 'logs/' }, obj)).toBe(true);
    expect(filterMatches({ prefix: 'log/' }, obj)).toBe(false);
    expect(filterMatches({ prefix: '' }, obj)).toBe(true);
    expect(filterMatches({}, obj)).toBe(true);
  });
  it('Tag: key and value must both match', () => {
    expect(filterMatches({ tags: [['env', 'prod']] }, obj)).toBe(true);
    expect(filterMatches({ tags: [['env', 'dev']] }, obj)).toBe(false);
    expect(filterMatches({ tags: [['owner', 'prod']] }, obj)).toBe(false);
    expect(filterMatches({ tags: [['env', 'prod']] }, { key: 'x', size: 1 })).toBe(false);
  });
  it('And: every condition; sizes are strict bounds', () => {
    expect(
      filterMatches(
        {
          prefix: 'logs/',
          tags: [
            ['env', 'prod'],
            ['team', 'blue'],
          ],
        },
        obj,
      ),
    ).toBe(true);
    expect(
      filterMatches(
        {
          prefix: 'logs/',
          tags: [
            ['env', 'prod'],
            ['team', 'red'],
          ],
        },
        obj,
      ),
    ).toBe(false);
    expect(filterMatches({ sizeGreaterThan: 999 }, obj)).toBe(true);
    expect(filterMatches({ sizeGreaterThan: 1000 }, obj)).toBe(false);
    expect(filterMatches({ sizeLessThan: 1001 }, obj)).toBe(true);
    expect(filterMatches({ sizeLessThan: 1000 }, obj)).toBe(false);
    expect(filterMatches({ prefix: 'logs/', sizeGreaterThan: 10, sizeLessThan: 2000 }, obj)).toBe(true);
    expect(filterMatches({ prefix: 'other/', sizeGreaterThan: 10, sizeLessThan: 2000 }, obj)).toBe(false);
  });
});

describe('lifecycle date rounding', () => {
  it("eligible at the next midnight UTC after creation + Days (AWS's example: 10:30 on the 15th + 3 days → the 19th, 00:00)", () => {
    expect(eligibleAt(at('2014-01-15T10:30:00Z'), 3)).toBe(at('2014-01-19T00:00:00Z'));
    expect(eligibleAt(at('2014-01-15T23:59:59.999Z'), 1)).toBe(at('2014-01-17T00:00:00Z'));
    expect(nextMidnight(at('2014-01-15T00:00:00Z'))).toBe(at('2014-01-16T00:00:00Z'));
  });
  it('a shortened day rounds to multiples of itself', () => {
    expect(eligibleAt(2500, 1, 1000)).toBe(4000);
    expect(eligibleAt(3000, 1, 1000)).toBe(5000);
  });
  it('the due cutoff agrees with eligibleAt: created before the cutoff ⟺ eligible by now', () => {
    for (const now of [at('2024-03-10T00:00:00Z'), at('2024-03-10T13:14:15Z'), at('2024-03-10T23:59:59Z')]) {
      const cut = dueCutoff(now, 2);
      expect(eligibleAt(cut - 1, 2)).toBeLessThanOrEqual(now);
      expect(eligibleAt(cut, 2)).toBeGreaterThan(now);
    }
  });
  it('the current expiry is the earliest enabled matching rule; the header has expiry-date and rule-id', () => {
    const rules: LifecycleRule[] = [
      { id: 'long', enabled: true, shape: 'empty', filter: {}, expiration: { days: 30 } },
      { id: 'short', enabled: true, shape: 'prefix', filter: { prefix: 'tmp/' }, expiration: { days: 1 } },
      { id: 'off', enabled: false, shape: 'empty', filter: {}, expiration: { days: 0 } },
      { id: 'date', enabled: true, shape: 'prefix', filter: { prefix: 'old/' }, expiration: { date: at('2030-01-01T00:00:00Z') } },
    ];
    const t = at('2024-05-01T12:00:00Z');
    expect(currentExpiry({ rules }, { key: 'tmp/x', size: 1 }, t)).toEqual({ date: at('2024-05-03T00:00:00Z'), ruleId: 'short' });
    expect(currentExpiry({ rules }, { key: 'a', size: 1 }, t)?.ruleId).toBe('long');
    expect(currentExpiry({ rules }, { key: 'old/a', size: 1 }, t)?.ruleId).toBe('long');
    expect(currentExpiry({ rules: rules.slice(3) }, { key: 'a', size: 1 }, t)).toBeUndefined();
    expect(expirationHeader({ date: at('2024-05-03T00:00:00Z'), ruleId: 'short' })).toBe('expiry-date="Fri, 03 May 2024 00:00:00 GMT", rule-id="short"');
  });
});

describe('lifecycle documents', () => {
  it("white space between elements (s3cmd's expire) is not content", () => {
    const body =
      '<LifecycleConfiguration>  <Rule>    <Filter>      <Prefix>logs/</Prefix>    </Filter>    <Status>Enabled</Status>    <Expiration>      <Days>3</Days>    </Expiration>  </Rule></LifecycleConfiguration>';
    const cfg = parseLifecycle(parseXml(body, 'LifecycleConfiguration', ['LifecycleConfiguration.Rule', 'LifecycleConfiguration.Rule.Filter.And.Tag']));
    expect(cfg.rules).toHaveLength(1);
    expect(cfg.rules[0]).toMatchObject({ enabled: true, shape: 'prefix', filter: { prefix: 'logs/' }, expiration: { days: 3 } });
    expect(cfg.rules[0]!.id.length).toBeGreaterThan(0);
  });
});
