import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandInput,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { S3Error } from '../../src/errors/s3error.js';
import {
  EMPTY_SHA256,
  UNSIGNED_PAYLOAD,
  canonicalHeaderBlock,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  chunkStringToSign,
  credentialScope,
  formatAmzDate,
  parseAmzDate,
  parseAuthorizationHeader,
  parsePresignedQuery,
  parseQuery,
  safeEqual,
  sha256Hex,
  sign,
  signingKey,
  SignatureCaches,
  stringToSign,
  mustBeSigned,
  trailerStringToSign,
  unsignedHeaders,
  uriEncode,
} from '../../src/auth/sigv4.js';

// The credentials of the AWS documentation's examples.
const AK = 'AKIAIOSFODNN7EXAMPLE';
const SK = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const AMZ_DATE = '20130524T000000Z';
const SCOPE = '20130524/us-east-1/s3/aws4_request';

function s3Error(fn: () => unknown): S3Error {
  try {
    fn();
  } catch (e) {
    if (e instanceof S3Error) return e;
    throw e;
  }
  throw new Error('expected an S3Error');
}

/** Sign a request described the way it arrives at the server, as the docs' examples do. */
function docSign(p: {
  method: string;
  path: string;
  query?: string;
  headers: Record<string, string>;
  signedHeaders: string[];
  payloadHash: string;
  omit?: string;
}): { creq: string; signature: string } {
  const creq = canonicalRequest({
    method: p.method,
    canonicalUri: canonicalUri(p.path),
    canonicalQuery: canonicalQueryString(parseQuery(p.query ?? ''), p.omit),
    canonicalHeaders: canonicalHeaderBlock(p.headers, p.signedHeaders),
    signedHeaders: p.signedHeaders,
    payloadHash: p.payloadHash,
  });
  const signature = sign(signingKey(SK, '20130524', 'us-east-1', 's3'), stringToSign(AMZ_DATE, SCOPE, creq));
  return { creq, signature };
}

describe('uriEncode / canonicalUri', () => {
  it('keeps the unreserved set and escapes everything else as uppercase UTF-8 bytes', () => {
    expect(uriEncode('AZaz09-._~', true)).toBe('AZaz09-._~');
    expect(uriEncode("a b+c!'()*", true)).toBe('a%20b%2Bc%21%27%28%29%2A');
    expect(uriEncode('é', true)).toBe('%C3%A9');
    expect(uriEncode('😀', true)).toBe('%F0%9F%98%80');
    expect(uriEncode('%2F', true)).toBe('%252F');
    expect(uriEncode('a/b', true)).toBe('a%2Fb');
    expect(uriEncode('a/b', false)).toBe('a/b');
    expect(uriEncode('\ud800', true)).toBe('%EF%BF%BD');
  });

  it('encodes an S3 path once and never normalises it', () => {
    expect(canonicalUri('/test$file.text')).toBe('/test%24file.text');
    expect(canonicalUri('/b/a//b/./c/../d')).toBe('/b/a//b/./c/../d');
    expect(canonicalUri('/b/a+b c%20')).toBe('/b/a%2Bb%20c%2520');
    expect(canonicalUri('')).toBe('/');
    expect(canonicalUri('/')).toBe('/');
  });
});

describe('parseQuery', () => {
  it('splits on & and the first =, decoding each part', () => {
    expect(parseQuery('')).toEqual([]);
    expect(parseQuery('acl')).toEqual([['acl', '']]);
    expect(parseQuery('lifecycle=&max-keys=2&prefix=J')).toEqual([
      ['lifecycle', ''],
      ['max-keys', '2'],
      ['prefix', 'J'],
    ]);
    expect(parseQuery('a=b=c')).toEqual([['a', 'b=c']]);
    expect(parseQuery('a=1&&b=2&')).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(parseQuery('a=1&a=0')).toEqual([
      ['a', '1'],
      ['a', '0'],
    ]);
    expect(parseQuery('k%C3%A9y=v%2Fw%3D')).toEqual([['kéy', 'v/w=']]);
  });

  it("reads a raw '+' as a space, %2B as a plus", () => {
    expect(parseQuery('prefix=a+b%2Bc%20d')).toEqual([['prefix', 'a b+c d']]);
    expect(parseQuery('prefix=a+b', { plusAsSpace: false })).toEqual([['prefix', 'a+b']]);
  });

  it('rejects malformed escapes with InvalidURI', () => {
    for (const q of ['a=%', 'a=%4', 'a=%zz', '%G0=1', 'a=%FF', 'a=%C3']) {
      expect(s3Error(() => parseQuery(q)).code, q).toBe('InvalidURI');
    }
  });
});

describe('canonicalQueryString', () => {
  it('encodes, sorts by name then value, and keeps empty values as name=', () => {
    const q = parseQuery('prefix=J&max-keys=2&lifecycle');
    expect(canonicalQueryString(q)).toBe('lifecycle=&max-keys=2&prefix=J');
    expect(canonicalQueryString(parseQuery('b=2&a=z&a=y&A=1'))).toBe('A=1&a=y&a=z&b=2');
    expect(canonicalQueryString([['prefix', 'a b+c/é~*']])).toBe('prefix=a%20b%2Bc%2F%C3%A9~%2A');
    expect(canonicalQueryString([['key', 'a=b']])).toBe('key=a%3Db');
  });

  it('sorts by the encoded bytes', () => {
    // '%' (0x25) sorts before letters, '~' (0x7e) after them.
    expect(
      canonicalQueryString([
        ['~a', '1'],
        ['b', '1'],
        [' c', '1'],
      ]),
    ).toBe('%20c=1&b=1&~a=1');
  });

  it('omits X-Amz-Signature for presigned requests', () => {
    expect(canonicalQueryString(parseQuery('X-Amz-Signature=abc&X-Amz-Date=1'), 'X-Amz-Signature')).toBe('X-Amz-Date=1');
  });
});

describe('canonicalHeaderBlock', () => {
  it('trims, collapses inner whitespace and joins repeated values with commas', () => {
    const block = canonicalHeaderBlock({ host: 'h', 'x-amz-meta-a': '  a   b \t c  ', 'x-amz-meta-b': ['1', ' 2  3 '], 'x-amz-meta-c': '"a   b"' }, [
      'host',
      'x-amz-meta-a',
      'x-amz-meta-b',
      'x-amz-meta-c',
    ]);
    expect(block).toBe('host:h\nx-amz-meta-a:a b c\nx-amz-meta-b:1,2 3\nx-amz-meta-c:"a b"\n');
  });

  it('rewrites a value with a single tab, line break, leading or trailing space, and leaves a clean one as it is', () => {
    const block = canonicalHeaderBlock({ a: 'x\ty', b: 'x\ny', c: ' x', d: 'x ', e: 'x y z' }, ['a', 'b', 'c', 'd', 'e']);
    expect(block).toBe('a:x y\nb:x y\nc:x\nd:x\ne:x y z\n');
  });

  it('finds headers whatever their case and gives an absent one an empty value', () => {
    expect(canonicalHeaderBlock({ Host: 'h', 'X-Amz-Date': 'd' }, ['host', 'x-amz-date', 'range'])).toBe('host:h\nx-amz-date:d\nrange:\n');
  });
});

describe('mustBeSigned / unsignedHeaders', () => {
  it('every x-amz-* header and Content-MD5 must be signed, x-amz-content-sha256 excepted', () => {
    for (const n of [
      'x-amz-copy-source',
      'x-amz-meta-a',
      'x-amz-storage-class',
      'x-amz-object-lock-mode',
      'x-amz-bypass-governance-retention',
      'x-amz-date',
      'x-amz-security-token',
      'x-amz-decoded-content-length',
      'x-amz-trailer',
      'x-amz-user-agent',
      'content-md5',
    ]) {
      expect(mustBeSigned(n), n).toBe(true);
    }
    for (const n of [
      'x-amz-content-sha256',
      'x-amzn-trace-id',
      'x-amz',
      'host',
      'content-type',
      'content-length',
      'content-encoding',
      'range',
      'user-agent',
      'amz-sdk-invocation-id',
      'amz-sdk-request',
      'expect',
      'authorization',
      'x-forwarded-for',
    ]) {
      expect(mustBeSigned(n), n).toBe(false);
    }
  });

  it('is undefined when every such header is signed, or none is present', () => {
    const headers = {
      host: 'h',
      'x-amz-date': 'd',
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      'x-amz-meta-a': '1',
      'content-md5': 'm',
      'content-type': 't',
      'user-agent': 'u',
      'x-amzn-trace-id': 'r',
    };
    expect(unsignedHeaders(headers, ['content-md5', 'host', 'x-amz-date', 'x-amz-meta-a'])).toBeUndefined();
    expect(unsignedHeaders({ host: 'h', 'content-type': 't', range: 'bytes=0-1' }, ['host'])).toBeUndefined();
    // x-amz-content-sha256 may be signed or not
    expect(unsignedHeaders(headers, ['content-md5', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-meta-a'])).toBeUndefined();
  });

  it('names the unsigned ones in the order they arrived, each once', () => {
    const headers = { host: 'h', 'x-amz-meta-z': '1', 'x-amz-date': 'd', 'content-md5': 'm', 'x-amz-copy-source': '/b/k', 'x-amz-meta-a': ['1', '2'] };
    expect(unsignedHeaders(headers, ['host', 'x-amz-date'])).toEqual(['x-amz-meta-z', 'content-md5', 'x-amz-copy-source', 'x-amz-meta-a']);
    expect(unsignedHeaders(headers, ['host'])).toEqual(['x-amz-meta-z', 'x-amz-date', 'content-md5', 'x-amz-copy-source', 'x-amz-meta-a']);
  });

  it('a header listed in SignedHeaders in another case counts as signed; an absent (undefined) one is not present', () => {
    expect(unsignedHeaders({ host: 'h', 'x-amz-meta-a': '1' }, ['Host', 'X-Amz-Meta-A'])).toBeUndefined();
    expect(unsignedHeaders({ host: 'h', 'x-amz-meta-a': undefined }, ['host'])).toBeUndefined();
  });
});

describe('the AWS SigV4 examples for S3 (Authorization header)', () => {
  const host = 'examplebucket.s3.amazonaws.com';

  it('signing key and string to sign derivation (IAM example key)', () => {
    const key = signingKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam');
    expect(key.toString('hex')).toBe('f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');
    // cached (by a server's SignatureCaches): the same buffer comes back
    const caches = new SignatureCaches();
    const cached = caches.signingKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam');
    expect(cached.equals(key)).toBe(true);
    expect(caches.signingKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam')).toBe(cached);
    expect(signingKey(SK, '20120215', 'us-east-1', 'iam').equals(key)).toBe(false);
    expect(credentialScope('20130524', 'us-east-1', 's3')).toBe(SCOPE);
  });

  it('GET Object with a Range header', () => {
    const headers = { host, range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_SHA256, 'x-amz-date': AMZ_DATE };
    const auth = parseAuthorizationHeader(
      `AWS4-HMAC-SHA256 Credential=${AK}/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41`,
    );
    const { creq, signature } = docSign({
      method: 'GET',
      path: '/test.txt',
      headers,
      signedHeaders: auth.signedHeaders,
      payloadHash: EMPTY_SHA256,
    });
    expect(creq).toBe(
      [
        'GET',
        '/test.txt',
        '',
        'host:examplebucket.s3.amazonaws.com',
        'range:bytes=0-9',
        `x-amz-content-sha256:${EMPTY_SHA256}`,
        'x-amz-date:20130524T000000Z',
        '',
        'host;range;x-amz-content-sha256;x-amz-date',
        EMPTY_SHA256,
      ].join('\n'),
    );
    expect(stringToSign(AMZ_DATE, auth.scope, creq)).toBe(
      `AWS4-HMAC-SHA256\n20130524T000000Z\n${SCOPE}\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972`,
    );
    expect(signature).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
    expect(safeEqual(signature, auth.signature)).toBe(true);
  });

  it('PUT Object', () => {
    const payloadHash = sha256Hex('Welcome to Amazon S3.');
    expect(payloadHash).toBe('44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    const { creq, signature } = docSign({
      method: 'PUT',
      path: '/test$file.text',
      headers: {
        host,
        date: 'Fri, 24 May 2013 00:00:00 GMT',
        'x-amz-content-sha256': payloadHash,
        'x-amz-date': AMZ_DATE,
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      },
      signedHeaders: ['date', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-storage-class'],
      payloadHash,
    });
    expect(creq.split('\n')[1]).toBe('/test%24file.text');
    expect(sha256Hex(creq)).toBe('9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d');
    expect(signature).toBe('98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
  });

  const plain = ['host', 'x-amz-content-sha256', 'x-amz-date'];
  const plainHeaders = { host, 'x-amz-content-sha256': EMPTY_SHA256, 'x-amz-date': AMZ_DATE };

  it('GET Bucket Lifecycle (?lifecycle)', () => {
    const { creq, signature } = docSign({
      method: 'GET',
      path: '/',
      query: 'lifecycle',
      headers: plainHeaders,
      signedHeaders: plain,
      payloadHash: EMPTY_SHA256,
    });
    expect(creq.split('\n').slice(0, 3)).toEqual(['GET', '/', 'lifecycle=']);
    expect(sha256Hex(creq)).toBe('9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca');
    expect(signature).toBe('fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543');
  });

  it('GET Bucket (List Objects), query given out of order', () => {
    const { creq, signature } = docSign({
      method: 'GET',
      path: '/',
      query: 'prefix=J&max-keys=2',
      headers: plainHeaders,
      signedHeaders: plain,
      payloadHash: EMPTY_SHA256,
    });
    expect(creq.split('\n')[2]).toBe('max-keys=2&prefix=J');
    expect(sha256Hex(creq)).toBe('df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7');
    expect(signature).toBe('34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });
});

describe('the AWS SigV4 presigned URL example', () => {
  const rawQuery =
    'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';

  it('parses the parameters and reproduces the signature', () => {
    const pairs = parseQuery(rawQuery);
    const p = parsePresignedQuery(new Map(pairs));
    expect(p).toEqual({
      accessKey: AK,
      date: '20130524',
      region: 'us-east-1',
      service: 's3',
      signedHeaders: ['host'],
      signature: 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
      scope: SCOPE,
      amzDate: AMZ_DATE,
      expires: 86400,
    });
    const { creq, signature } = docSign({
      method: 'GET',
      path: '/test.txt',
      query: rawQuery,
      omit: 'X-Amz-Signature',
      headers: { host: 'examplebucket.s3.amazonaws.com' },
      signedHeaders: p.signedHeaders,
      payloadHash: UNSIGNED_PAYLOAD,
    });
    expect(creq).toBe(
      [
        'GET',
        '/test.txt',
        'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host',
        'host:examplebucket.s3.amazonaws.com',
        '',
        'host',
        'UNSIGNED-PAYLOAD',
      ].join('\n'),
    );
    expect(sha256Hex(creq)).toBe('3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04');
    expect(signature).toBe(p.signature);
  });

  it('keeps the security token', () => {
    const p = parsePresignedQuery(new Map([...parseQuery(rawQuery), ['X-Amz-Security-Token', 'tok+en/=']]));
    expect(p.securityToken).toBe('tok+en/=');
  });
});

describe('aws-chunked payload signatures (AWS examples)', () => {
  const key = signingKey(SK, '20130524', 'us-east-1', 's3');
  const chunk1 = Buffer.alloc(65536, 'a');
  const chunk2 = Buffer.alloc(1024, 'a');

  it('STREAMING-AWS4-HMAC-SHA256-PAYLOAD: seed, two chunks and the final empty chunk', () => {
    const headers = {
      host: 's3.amazonaws.com',
      'content-encoding': 'aws-chunked',
      'content-length': '66824',
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      'x-amz-date': AMZ_DATE,
      'x-amz-decoded-content-length': '66560',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    };
    const auth = parseAuthorizationHeader(
      `AWS4-HMAC-SHA256 Credential=${AK}/20130524/us-east-1/s3/aws4_request, SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class, Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9`,
    );
    const creq = canonicalRequest({
      method: 'PUT',
      canonicalUri: canonicalUri('/examplebucket/chunkObject.txt'),
      canonicalQuery: '',
      canonicalHeaders: canonicalHeaderBlock(headers, auth.signedHeaders),
      signedHeaders: auth.signedHeaders,
      payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    });
    const seed = sign(key, stringToSign(AMZ_DATE, auth.scope, creq));
    expect(seed).toBe(auth.signature);

    const sts1 = chunkStringToSign(AMZ_DATE, SCOPE, seed, sha256Hex(chunk1));
    expect(sts1).toBe(
      [
        'AWS4-HMAC-SHA256-PAYLOAD',
        AMZ_DATE,
        SCOPE,
        '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
        EMPTY_SHA256,
        'bf718b6f653bebc184e1479f1935b8da974d701b893afcf49e701f3e2f9f9c5a',
      ].join('\n'),
    );
    const sig1 = sign(key, sts1);
    expect(sig1).toBe('ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648');
    const sig2 = sign(key, chunkStringToSign(AMZ_DATE, SCOPE, sig1, sha256Hex(chunk2)));
    expect(sig2).toBe('0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497');
    const sig3 = sign(key, chunkStringToSign(AMZ_DATE, SCOPE, sig2, EMPTY_SHA256));
    expect(sig3).toBe('b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9');
  });

  it('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: chunk chain and trailer signature', () => {
    const seed = '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e';
    const sig1 = sign(key, chunkStringToSign(AMZ_DATE, SCOPE, seed, sha256Hex(chunk1)));
    expect(sig1).toBe('b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2');
    const sig2 = sign(key, chunkStringToSign(AMZ_DATE, SCOPE, sig1, sha256Hex(chunk2)));
    expect(sig2).toBe('1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7');
    const sig3 = sign(key, chunkStringToSign(AMZ_DATE, SCOPE, sig2, EMPTY_SHA256));
    expect(sig3).toBe('2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992');
    const trailer = sign(key, trailerStringToSign(AMZ_DATE, SCOPE, sig3, sha256Hex('x-amz-checksum-crc32c:sOO8/Q==\n')));
    expect(trailer).toBe('d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435');
  });
});

describe('parseAuthorizationHeader', () => {
  const good = `AWS4-HMAC-SHA256 Credential=${AK}/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024`;

  it('reads the three components with or without spaces after the commas, in any order', () => {
    const expected = {
      accessKey: AK,
      date: '20130524',
      region: 'us-east-1',
      service: 's3',
      signedHeaders: ['host', 'range', 'x-amz-date'],
      signature: 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024',
      scope: SCOPE,
    };
    expect(parseAuthorizationHeader(good)).toEqual(expected);
    expect(parseAuthorizationHeader(good.replace(/, /g, ','))).toEqual(expected);
    expect(
      parseAuthorizationHeader(
        `AWS4-HMAC-SHA256  Signature=${expected.signature} ,  SignedHeaders=host;range;x-amz-date,Credential=${AK}/20130524/us-east-1/s3/aws4_request`,
      ),
    ).toEqual(expected);
  });

  it('splits the credential from the right and keeps other services and regions', () => {
    const p = parseAuthorizationHeader('AWS4-HMAC-SHA256 Credential=odd/key/20240101/eu-west-3/iam/aws4_request, SignedHeaders=host, Signature=ab');
    expect([p.accessKey, p.date, p.region, p.service, p.scope]).toEqual(['odd/key', '20240101', 'eu-west-3', 'iam', '20240101/eu-west-3/iam/aws4_request']);
  });

  it('rejects malformed headers with AuthorizationHeaderMalformed', () => {
    const cases: Array<[string, RegExp]> = [
      ['AWS4-HMAC-SHA256', /requires three components/],
      [good.replace(/, Signature=[0-9a-f]+/, ''), /requires three components/],
      [good.replace('SignedHeaders=host;range;x-amz-date, ', ''), /requires three components/],
      [good.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512'), /algorithm/],
      [good.replace('Credential=', 'Credentials='), /component "Credentials=/],
      [good + ', Signature=ab', /repeated/],
      [good.replace('/aws4_request', '/aws4_reques'), /incorrect terminal "aws4_reques"/],
      [good.replace('/20130524/us-east-1/', '/us-east-1/'), /Credential is mal-formed/],
      [good.replace('20130524', '2013052'), /Credential is mal-formed/],
      [good.replace('20130524', '20130231'), /Credential is mal-formed/],
      [good.replace(`${AK}/`, '/'), /Credential is mal-formed/],
      [good.replace('host;range;x-amz-date', 'host;;range'), /SignedHeaders/],
      [good.replace('host;range;x-amz-date', ''), /SignedHeaders/],
      [good.replace(/Signature=[0-9a-f]+/, 'Signature='), /Signature/],
      [good.replace('Credential=', 'Credential'), /malformed/],
    ];
    for (const [header, message] of cases) {
      const err = s3Error(() => parseAuthorizationHeader(header));
      expect(err.code, header).toBe('AuthorizationHeaderMalformed');
      expect(err.status).toBe(400);
      expect(err.message, header).toMatch(/^The authorization header is malformed; /);
      expect(err.message, header).toMatch(message);
    }
  });
});

describe('parsePresignedQuery errors', () => {
  const base: Record<string, string> = {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${AK}/20130524/us-east-1/s3/aws4_request`,
    'X-Amz-Date': AMZ_DATE,
    'X-Amz-Expires': '86400',
    'X-Amz-SignedHeaders': 'host',
    'X-Amz-Signature': 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
  };
  const withParams = (change: Record<string, string | undefined>) => {
    const m = new Map(Object.entries({ ...base, ...change }).filter((e): e is [string, string] => e[1] !== undefined));
    return s3Error(() => parsePresignedQuery(m));
  };

  it('asks for all six parameters when one is missing', () => {
    for (const name of Object.keys(base)) {
      const err = withParams({ [name]: undefined });
      expect(err.code).toBe('AuthorizationQueryParametersError');
      expect(err.message).toBe(
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
      );
    }
  });

  it('checks each parameter', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ 'X-Amz-Algorithm': 'AWS4-HMAC-SHA1' }, /^X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"/],
      [{ 'X-Amz-Credential': `${AK}/20130524/us-east-1/s3` }, /^Error parsing the X-Amz-Credential parameter; the Credential is mal-formed/],
      [{ 'X-Amz-Credential': `${AK}/20130524/us-east-1/s3/aws5_request` }, /incorrect terminal "aws5_request"/],
      [{ 'X-Amz-Credential': `${AK}/20130525/us-east-1/s3/aws4_request` }, /Invalid credential date "20130525"/],
      [{ 'X-Amz-Date': '2013-05-24T00:00:00Z' }, /^X-Amz-Date must be in the ISO8601 Long Format/],
      [{ 'X-Amz-Date': '20130524T250000Z' }, /^X-Amz-Date must be in the ISO8601 Long Format/],
      [{ 'X-Amz-Expires': 'soon' }, /^X-Amz-Expires should be a number$/],
      [{ 'X-Amz-Expires': '1.5' }, /^X-Amz-Expires should be a number$/],
      [{ 'X-Amz-Expires': '-1' }, /^X-Amz-Expires must be non-negative$/],
      [{ 'X-Amz-Expires': '0' }, /^X-Amz-Expires must be at least 1 second$/],
      [{ 'X-Amz-Expires': '604801' }, /^X-Amz-Expires must be less than a week \(in seconds\) that is 604800$/],
      [{ 'X-Amz-SignedHeaders': '' }, /X-Amz-SignedHeaders/],
    ];
    for (const [change, message] of cases) {
      const err = withParams(change);
      expect(err.code, JSON.stringify(change)).toBe('AuthorizationQueryParametersError');
      expect(err.message, JSON.stringify(change)).toMatch(message);
    }
    expect(parsePresignedQuery(new Map(Object.entries({ ...base, 'X-Amz-Expires': '604800' }))).expires).toBe(604800);
    expect(parsePresignedQuery(new Map(Object.entries({ ...base, 'X-Amz-Expires': '1' }))).expires).toBe(1);
  });
});

describe('dates and comparisons', () => {
  it('parseAmzDate reads the ISO 8601 basic format and refuses anything else', () => {
    expect(parseAmzDate('20130524T000000Z')?.toISOString()).toBe('2013-05-24T00:00:00.000Z');
    expect(parseAmzDate('20240229T235959Z')?.toISOString()).toBe('2024-02-29T23:59:59.000Z');
    for (const bad of [
      '20230229T000000Z',
      '20131324T000000Z',
      '20130524T240000Z',
      '20130524T000060Z',
      '20130524T000000',
      '20130524',
      '',
      'Fri, 24 May 2013 00:00:00 GMT',
    ]) {
      expect(parseAmzDate(bad), bad).toBeUndefined();
    }
    expect(formatAmzDate(new Date('2013-05-24T00:00:00.123Z'))).toBe(AMZ_DATE);
  });

  it('safeEqual', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('é', 'e')).toBe(false);
  });
});

// ---------------------------------------------------------------------------
// Cross-check with the real @aws-sdk/client-s3 signer: the requests go to a
// local server that records exactly what arrived, and are verified with the
// functions above, the way the server will.

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

const SECRET = 'cairn+secret/with%odd chars';
const ACCESS = 'CAIRNTESTKEY';

function verify(r: Recorded, secret: string): { ok: boolean; creq: string } {
  const qi = r.url.indexOf('?');
  const rawPath = qi === -1 ? r.url : r.url.slice(0, qi);
  const rawQuery = qi === -1 ? '' : r.url.slice(qi + 1);
  const decodedPath = decodeURIComponent(rawPath); // the path is not form-encoded: '+' is a plus
  const pairs = parseQuery(rawQuery);
  let parsed;
  let amzDate: string;
  let query: string;
  let payloadHash: string;
  if (r.headers.authorization) {
    parsed = parseAuthorizationHeader(r.headers.authorization);
    amzDate = String(r.headers['x-amz-date']);
    query = canonicalQueryString(pairs);
    payloadHash = String(r.headers['x-amz-content-sha256']);
  } else {
    const p = parsePresignedQuery(new Map(pairs));
    parsed = p;
    amzDate = p.amzDate;
    query = canonicalQueryString(pairs, 'X-Amz-Signature');
    payloadHash = String(r.headers['x-amz-content-sha256'] ?? UNSIGNED_PAYLOAD);
  }
  const creq = canonicalRequest({
    method: r.method,
    canonicalUri: canonicalUri(decodedPath),
    canonicalQuery: query,
    canonicalHeaders: canonicalHeaderBlock(r.headers, parsed.signedHeaders),
    signedHeaders: parsed.signedHeaders,
    payloadHash,
  });
  const key = signingKey(secret, parsed.date, parsed.region, parsed.service);
  const expected = sign(key, stringToSign(amzDate, parsed.scope, creq));
  return { ok: safeEqual(expected, parsed.signature), creq };
}

describe('cross-check with @aws-sdk/client-s3 (real signer, real wire)', () => {
  let server: Server;
  let endpoint: string;
  let client: S3Client;
  const recorded: Recorded[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      recorded.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      req.resume();
      req.on('end', () => {
        if (req.method === 'GET' && (req.url ?? '').includes('list-type=2')) {
          res.writeHead(200, { 'content-type': 'application/xml' });
          res.end(
            '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>',
          );
        } else {
          res.writeHead(200, { etag: '"d41d8cd98f00b204e9800998ecf8427e"', 'content-length': '0' });
          res.end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new S3Client({
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: ACCESS, secretAccessKey: SECRET },
    });
  });

  afterAll(async () => {
    client?.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  async function lastFor<T>(send: () => Promise<T>): Promise<Recorded> {
    const before = recorded.length;
    await send();
    expect(recorded.length).toBe(before + 1);
    return recorded[recorded.length - 1]!;
  }

  const keys = [
    'plain.txt',
    'a+b',
    'with space',
    'literal%20percent',
    'pct%',
    "special !'()*~@$&=;:,",
    'question?hash#',
    'unicode/日本語/ü/é',
    'emoji😀',
    'a//b',
    '//leading',
    'trailing/',
    'a/./b/../c',
    '../escape',
    '..',
    '.',
    'tab\there',
  ];

  it('PutObject and GetObject verify for awkward keys', async () => {
    for (const key of keys) {
      const put = await lastFor(() => client.send(new PutObjectCommand({ Bucket: 'bucket', Key: key, Body: 'hello', ContentType: 'text/plain' })));
      const v = verify(put, SECRET);
      expect(v.ok, `PUT ${key}\n${put.url}\n${v.creq}`).toBe(true);
      expect(verify(put, `${SECRET}x`).ok).toBe(false);

      const get = await lastFor(() =>
        client.send(
          new GetObjectCommand({
            Bucket: 'bucket',
            Key: key,
            Range: 'bytes=0-1',
            ResponseContentDisposition: 'attachment; filename="a b+c é.txt"',
            VersionId: 'v+1 2',
          }),
        ),
      );
      const g = verify(get, SECRET);
      expect(g.ok, `GET ${key}\n${get.url}\n${g.creq}`).toBe(true);
    }
  });

  it('a streamed PutObject (aws-chunked with a checksum trailer) verifies its seed signature', async () => {
    const put = await lastFor(() =>
      client.send(
        new PutObjectCommand({ Bucket: 'bucket', Key: 'stream d+', Body: Readable.from([Buffer.from('hello ')], { objectMode: false }), ContentLength: 6 }),
      ),
    );
    expect(String(put.headers['x-amz-content-sha256'])).toMatch(/^STREAMING-|^[0-9a-f]{64}$|^UNSIGNED-PAYLOAD$/);
    const v = verify(put, SECRET);
    expect(v.ok, `${put.url}\n${v.creq}`).toBe(true);
  });

  it('ListObjectsV2 verifies for query values with +, spaces, %, = and unicode', async () => {
    const inputs: ListObjectsV2CommandInput[] = [
      { Bucket: 'bucket', Prefix: 'a+b c/日', Delimiter: '/' },
      { Bucket: 'bucket', Prefix: '%2B%20', StartAfter: 'k=v&x=y', MaxKeys: 7 },
      { Bucket: 'bucket', ContinuationToken: 'AbC+/dEf==', EncodingType: 'url' },
    ];
    for (const input of inputs) {
      const r = await lastFor(() => client.send(new ListObjectsV2Command(input)));
      const v = verify(r, SECRET);
      expect(v.ok, `${r.url}\n${v.creq}`).toBe(true);
      // the operation sees what the client meant
      const qi = r.url.indexOf('?');
      const q = new Map(parseQuery(r.url.slice(qi + 1)));
      if (input.Prefix !== undefined) expect(q.get('prefix')).toBe(input.Prefix);
      if (input.ContinuationToken !== undefined) expect(q.get('continuation-token')).toBe(input.ContinuationToken);
    }
  });

  it('presigned URLs from @aws-sdk/s3-request-presigner verify', async () => {
    for (const key of keys) {
      const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'bucket', Key: key, ResponseContentType: 'text/plain; charset=utf-8' }), {
        expiresIn: 3600,
      });
      const u = new URL(url);
      const rec: Recorded = {
        method: 'GET',
        url: url.slice(endpoint.length),
        headers: { host: u.host },
      };
      const v = verify(rec, SECRET);
      expect(v.ok, `${url}\n${v.creq}`).toBe(true);
      const p = parsePresignedQuery(new Map(parseQuery(u.search.slice(1))));
      expect(p.expires).toBe(3600);
      expect(p.accessKey).toBe(ACCESS);
    }
  });

  it('a presigned PUT with a session token verifies', async () => {
    const token = 'FwoGZXIvYXdzE+token/with==';
    const withToken = new S3Client({
      region: 'eu-west-3',
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: ACCESS, secretAccessKey: SECRET, sessionToken: token },
    });
    try {
      const url = await getSignedUrl(withToken, new PutObjectCommand({ Bucket: 'bucket', Key: 'a b+c' }), { expiresIn: 604800 });
      const u = new URL(url);
      const v = verify({ method: 'PUT', url: url.slice(endpoint.length), headers: { host: u.host } }, SECRET);
      expect(v.ok, `${url}\n${v.creq}`).toBe(true);
      const p = parsePresignedQuery(new Map(parseQuery(u.search.slice(1))));
      expect([p.securityToken, p.region, p.expires]).toEqual([token, 'eu-west-3', 604800]);
    } finally {
      withToken.destroy();
    }
  });

  it('the SDK at defaults signs every header S3 requires signed (header-signed, aws-chunked and presigned)', async () => {
    const sent = async (send: () => Promise<unknown>) => lastFor(() => send().catch(() => undefined));
    const requests: Recorded[] = [
      await sent(() =>
        client.send(
          new PutObjectCommand({
            Bucket: 'bucket',
            Key: 'k',
            Body: 'hello',
            Metadata: { a: '1', b: '2' },
            StorageClass: 'STANDARD_IA',
            ContentMD5: 'XUFAKrxLKna5cZ2REBfFkg==',
            ContentType: 'text/plain',
            ObjectLockMode: 'GOVERNANCE',
            ObjectLockRetainUntilDate: new Date(Date.now() + 3600_000),
            Tagging: 'a=b',
            ACL: 'private',
          }),
        ),
      ),
      await sent(() =>
        client.send(
          new PutObjectCommand({
            Bucket: 'bucket',
            Key: 'stream',
            Body: Readable.from([Buffer.from('hello ')], { objectMode: false }),
            ContentLength: 6,
            Metadata: { s: '1' },
          }),
        ),
      ),
      await sent(() =>
        client.send(
          new CopyObjectCommand({
            Bucket: 'bucket',
            Key: 'copy',
            CopySource: 'other/private.txt',
            MetadataDirective: 'REPLACE',
            Metadata: { c: '1' },
            CopySourceIfMatch: '"x"',
          }),
        ),
      ),
      await sent(() => client.send(new DeleteObjectCommand({ Bucket: 'bucket', Key: 'k', VersionId: 'v1', BypassGovernanceRetention: true }))),
      await sent(() =>
        client.send(new DeleteObjectsCommand({ Bucket: 'bucket', Delete: { Objects: [{ Key: 'a' }, { Key: 'b' }] }, BypassGovernanceRetention: true })),
      ),
      await sent(() => client.send(new CreateMultipartUploadCommand({ Bucket: 'bucket', Key: 'mp', ChecksumAlgorithm: 'SHA256', Metadata: { m: '1' } }))),
    ];
    for (const r of requests) {
      expect(verify(r, SECRET).ok, r.url).toBe(true);
      const signed = parseAuthorizationHeader(String(r.headers.authorization)).signedHeaders;
      expect(unsignedHeaders(r.headers, signed), `${r.method} ${r.url}: ${signed.join(';')}`).toBeUndefined();
      // the SDK's own headers that are not x-amz-* need no signature
      expect(Object.keys(r.headers).some((h) => h.startsWith('amz-sdk-'))).toBe(true);
    }
    // A presigned PutObject hoists its x-amz-* parameters into the (signed) query: a plain PUT of the URL carries none.
    const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: 'bucket', Key: 'p', Metadata: { a: '1' }, StorageClass: 'STANDARD_IA' }), {
      expiresIn: 600,
    });
    const p = parsePresignedQuery(new Map(parseQuery(new URL(url).search.slice(1))));
    expect(unsignedHeaders({ host: new URL(url).host, 'content-type': 'text/plain', 'content-length': '5' }, p.signedHeaders)).toBeUndefined();
  });

  it("a client that sends '+' for a space (aws4, aws4fetch, URLSearchParams) verifies too", () => {
    // Signed as the client means it: prefix "a b", canonical a%20b ...
    const amzDate = '20240101T000000Z';
    const scope = credentialScope('20240101', 'us-east-1', 's3');
    const headers = { host: 'h', 'x-amz-date': amzDate, 'x-amz-content-sha256': EMPTY_SHA256 };
    const signed = ['host', 'x-amz-content-sha256', 'x-amz-date'];
    const creq = canonicalRequest({
      method: 'GET',
      canonicalUri: '/bucket',
      canonicalQuery: 'list-type=2&prefix=a%20b',
      canonicalHeaders: canonicalHeaderBlock(headers, signed),
      signedHeaders: signed,
      payloadHash: EMPTY_SHA256,
    });
    const signature = sign(signingKey(SECRET, '20240101', 'us-east-1', 's3'), stringToSign(amzDate, scope, creq));
    // ... but sent with URLSearchParams serialisation.
    const wire = `/bucket?${new URLSearchParams({ 'list-type': '2', prefix: 'a b' }).toString()}`;
    expect(wire).toBe('/bucket?list-type=2&prefix=a+b');
    const rec: Recorded = {
      method: 'GET',
      url: wire,
      headers: {
        ...headers,
        authorization: `AWS4-HMAC-SHA256 Credential=${ACCESS}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`,
      },
    };
    expect(verify(rec, SECRET).ok).toBe(true);
  });
});
