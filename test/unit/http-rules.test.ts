import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { S3Error } from '../../src/errors/s3error.js';
import { parseTarget } from '../../src/http/target.js';
import { bucketNameProblem } from '../../src/s3/ops/CreateBucket.js';
import { evaluateConditions, parseRange } from '../../src/s3/headers.js';
import { urlEncodeKey } from '../../src/s3/params.js';
import { parseXml, toXml } from '../../src/xml/xml.js';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof S3Error ? e.code : `not S3Error: ${String(e)}`;
  }
  return undefined;
}

describe('bucket naming rules (AWS general purpose buckets)', () => {
  it.each([
    'abc',
    'my-bucket',
    'my.bucket.name',
    'a1b',
    '123',
    'x'.repeat(63),
    'docexamplebucket1',
    'a-b.c-d',
    '1.2.3',
    '1.2.3.4.5',
    'a.1.2.3',
    'xn-abc',
    'my-s3alias-bucket',
  ])('accepts %s', (n) => {
    expect(bucketNameProblem(n)).toBeUndefined();
  });
  it.each([
    'ab',
    'x'.repeat(64),
    'My-Bucket',
    'my_bucket',
    '-abc',
    'abc-',
    '.abc',
    'a..b',
    '192.168.5.4',
    'xn--abc',
    'sthree-abc',
    'amzn-s3-demo-bucket',
    'abc-s3alias',
    'abc--ol-s3',
    'abc.mrap',
    'abc--x-s3',
    'abc--table-s3',
    'ab c',
    '',
    'foo.-bar',
    'foo-.bar',
    'a.-b',
    '10.0.0.1',
    '0.0.0.0',
    '999.999.999.999',
    'sthree-configurator',
    'xn--p1ai',
    'my\u00e9bucket',
    'ABC',
  ])('rejects %j', (n) => {
    expect(bucketNameProblem(n)).toBeTypeOf('string');
  });
});

describe('Range parsing', () => {
  it('single ranges', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-1000', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=50-1000', 100)).toEqual({ start: 50, end: 99 });
  });
  it('malformed ranges are ignored (full body)', () => {
    for (const v of ['bytes=abc', 'items=0-1', 'bytes=5-2', 'bytes=0-1,3-4', 'bytes=-', '0-1']) expect(parseRange(v, 100)).toBeUndefined();
    expect(parseRange(undefined, 100)).toBeUndefined();
  });
  it('unsatisfiable ranges are InvalidRange', () => {
    expect(code(() => parseRange('bytes=100-', 100))).toBe('InvalidRange');
    expect(code(() => parseRange('bytes=-0', 100))).toBe('InvalidRange');
    expect(code(() => parseRange('bytes=0-0', 0))).toBe('InvalidRange');
  });
});

describe('conditional request precedence', () => {
  const etag = 'abc';
  const lm = Date.parse('2024-01-01T00:00:00Z');
  const before = 'Sun, 31 Dec 2023 00:00:00 GMT';
  const after = 'Tue, 02 Jan 2024 00:00:00 GMT';
  it('If-Match decides over If-Unmodified-Since', () => {
    expect(evaluateConditions({ ifMatch: '"abc"', ifUnmodifiedSince: before }, etag, lm)).toBe('ok');
    expect(evaluateConditions({ ifMatch: '"zzz"', ifUnmodifiedSince: after }, etag, lm)).toBe('failed');
    expect(evaluateConditions({ ifUnmodifiedSince: before }, etag, lm)).toBe('failed');
    expect(evaluateConditions({ ifUnmodifiedSince: after }, etag, lm)).toBe('ok');
  });
  it('If-None-Match decides over If-Modified-Since', () => {
    expect(evaluateConditions({ ifNoneMatch: '"abc"', ifModifiedSince: before }, etag, lm)).toBe('not-modified');
    expect(evaluateConditions({ ifNoneMatch: '"zzz"', ifModifiedSince: after }, etag, lm)).toBe('ok');
    expect(evaluateConditions({ ifModifiedSince: after }, etag, lm)).toBe('not-modified');
    expect(evaluateConditions({ ifModifiedSince: before }, etag, lm)).toBe('ok');
  });
  it('412 wins over 304, * and lists match, bad dates are ignored', () => {
    expect(evaluateConditions({ ifMatch: '"zzz"', ifNoneMatch: '"abc"' }, etag, lm)).toBe('failed');
    expect(evaluateConditions({ ifMatch: '*' }, etag, lm)).toBe('ok');
    expect(evaluateConditions({ ifNoneMatch: '"x", "abc"' }, etag, lm)).toBe('not-modified');
    expect(evaluateConditions({ ifModifiedSince: 'not a date' }, etag, lm)).toBe('ok');
  });
});

describe('request target parsing', () => {
  it('path-style: bucket and key decoded once, + stays +', () => {
    const t = parseTarget('/bkt/a%20b+c%25d/%C3%BC//..?list-type=2&prefix=a%2Bb', '127.0.0.1:9000', ['s3.local']);
    expect(t).toMatchObject({ bucket: 'bkt', key: 'a b+c%d/ü//..', style: 'path' });
    expect(t.query.get('prefix')).toBe('a+b');
    expect(t.query.get('list-type')).toBe('2');
  });
  it('virtual-hosted for configured domains only', () => {
    expect(parseTarget('/k/x', 'bkt.s3.local:9000', ['s3.local'])).toMatchObject({ bucket: 'bkt', key: 'k/x', style: 'virtual' });
    expect(parseTarget('/', 'bkt.s3.local', ['s3.local'])).toMatchObject({ bucket: 'bkt', key: undefined });
    expect(parseTarget('/bkt/k', 's3.local', ['s3.local'])).toMatchObject({ bucket: 'bkt', key: 'k', style: 'path' });
    expect(parseTarget('/bkt/k', 'other.example.com', ['s3.local'])).toMatchObject({ bucket: 'bkt', key: 'k', style: 'path' });
  });
  it('service level and sub-resources', () => {
    expect(parseTarget('/', 'h', [])).toMatchObject({ bucket: undefined, key: undefined });
    expect(parseTarget('/b?acl', 'h', []).query.get('acl')).toBe('');
  });
  it('bad escapes are InvalidURI and over-long keys KeyTooLongError', () => {
    expect(code(() => parseTarget('/b/%zz', 'h', []))).toBe('InvalidURI');
    expect(code(() => parseTarget('/b/%C3', 'h', []))).toBe('InvalidURI');
    expect(code(() => parseTarget(`/b/${'k'.repeat(1025)}`, 'h', []))).toBe('KeyTooLongError');
    expect(code(() => parseTarget(`/b/${'k'.repeat(1024)}`, 'h', []))).toBeUndefined();
  });
});

describe('XML builder', () => {
  it('escapes markup and control characters, omits undefined, repeats lists', () => {
    const xml = toXml('R', { A: 'x<&>"\'y', B: undefined, C: [{ D: 1 }, { D: 2 }], E: '\u0001' });
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<R xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><A>x&lt;&amp;&gt;&quot;&apos;y</A><C><D>1</D></C><C><D>2</D></C><E>&#x1;</E></R>',
    );
  });
  it('parses lists, decodes entities and numeric character references (as Go clients write quotes)', () => {
    const doc = parseXml('<Delete xmlns="x"><Object><Key>it&#39;s &amp; &#34;q&#34;</Key></Object></Delete>', 'Delete', ['Delete.Object']);
    expect(doc.Object).toEqual([{ Key: 'it\'s & "q"' }]);
    expect(code(() => parseXml('<Delete><Object>', 'Delete'))).toBe('MalformedXML');
    expect(code(() => parseXml('<Other/>', 'Delete'))).toBe('MalformedXML');
  });
  it('encoding-type=url encodes like S3', () => {
    expect(urlEncodeKey('a b/c+d%é')).toBe('a+b/c%2Bd%25%C3%A9');
  });
});

describe('config', () => {
  it('environment overrides defaults', () => {
    const c = loadConfig({ CAIRN_PORT: '1234', CAIRN_DOMAINS: 's3.local, localhost', CAIRN_FSYNC: 'off', CAIRN_REGION: 'eu-west-1' });
    expect(c).toMatchObject({ port: 1234, domains: ['s3.local', 'localhost'], fsync: false, region: 'eu-west-1' });
  });
  it.each([
    [{ CAIRN_PORT: 'abc' }, 'CAIRN_PORT'],
    [{ CAIRN_PORT: '70000' }, 'CAIRN_PORT'],
    [{ CAIRN_FSYNC: 'maybe' }, 'CAIRN_FSYNC'],
    [{ CAIRN_LOG_LEVEL: 'loud' }, 'CAIRN_LOG_LEVEL'],
    [{ CAIRN_DOMAINS: 'bad_domain!' }, 'CAIRN_DOMAINS'],
    [{ CAIRN_ACCESS_KEY: 'only-key' }, 'CAIRN_SECRET_KEY'],
    [{ CAIRN_PUBLIC_URL: 'ftp://x' }, 'CAIRN_PUBLIC_URL'],
    [{ CAIRN_CONFIG: '/nonexistent/cairn.json' }, 'CAIRN_CONFIG'],
  ])('a bad setting %j names %s', (env, name) => {
    let msg = '';
    try {
      loadConfig(env);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      msg = (e as Error).message;
    }
    expect(msg).toContain(name);
    expect(msg).not.toContain('\n');
  });
});
