import { describe, expect, it } from 'vitest';
import { S3Error } from '../../src/errors/s3error.js';
import { parseTaggingDocument, parseTaggingHeader, requestTagKeys } from '../../src/s3/tags.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof S3Error ? e.code : 'not an S3Error';
  }
  return undefined;
}

describe('x-amz-tagging', () => {
  it('is URL query form: empty pairs skipped, a key without = has an empty value, + and %20 are spaces', () => {
    expect(parseTaggingHeader(undefined)).toBeUndefined();
    expect(parseTaggingHeader('')).toEqual([]);
    expect(parseTaggingHeader('a=1&&b&c=two+words&d=x%20y%2Fz')).toEqual([
      ['a', '1'],
      ['b', ''],
      ['c', 'two words'],
      ['d', 'x y/z'],
    ]);
    expect(parseTaggingHeader('%C3%A9t%C3%A9=%E6%97%A5')).toEqual([['été', '日']]);
  });
  it('answers as S3 does: an empty key, bad escapes or a repeated key InvalidArgument; 11 tags BadRequest; a bad character InvalidTag', () => {
    expect(codeOf(() => parseTaggingHeader('=v'))).toBe('InvalidArgument');
    expect(codeOf(() => parseTaggingHeader('a=%ZZ'))).toBe('InvalidArgument');
    expect(codeOf(() => parseTaggingHeader('a=1&a=2'))).toBe('InvalidArgument');
    expect(codeOf(() => parseTaggingHeader(Array.from({ length: 11 }, (_, i) => `k${i}`).join('&')))).toBe('BadRequest');
    expect(codeOf(() => parseTaggingHeader(Array.from({ length: 10 }, (_, i) => `k${i}`).join('&')))).toBeUndefined();
    expect(codeOf(() => parseTaggingHeader('a%2Ab=1'))).toBe('InvalidTag');
    expect(codeOf(() => parseTaggingHeader('k=v%23'))).toBe('InvalidTag');
    expect(codeOf(() => parseTaggingHeader('aws%3Ax=1'))).toBe('InvalidTag');
  });
});

describe('Tagging documents', () => {
  it('parse to pairs; white space between elements is not content', () => {
    const xml = '<Tagging> <TagSet> <Tag> <Key>a</Key> <Value>1</Value> </Tag> <Tag><Key>b</Key></Tag> </TagSet> </Tagging>';
    expect(parseTaggingDocument(Buffer.from(xml))).toEqual([
      ['a', '1'],
      ['b', ''],
    ]);
    expect(parseTaggingDocument(Buffer.from('<Tagging><TagSet> </TagSet></Tagging>'))).toEqual([]);
    expect(codeOf(() => parseTaggingDocument(Buffer.from('<Tagging><TagSet>')))).toBe('MalformedXML');
  });
});

describe('tag condition keys', () => {
  it('s3:RequestObjectTagKeys and s3:RequestObjectTag/<key> when tags are sent, nothing otherwise', () => {
    expect(requestTagKeys(undefined)).toEqual({});
    expect(
      requestTagKeys([
        ['a', '1'],
        ['b', ''],
      ]),
    ).toEqual({ 's3:RequestObjectTagKeys': ['a', 'b'], 's3:RequestObjectTag/a': '1', 's3:RequestObjectTag/b': '' });
  });
});
