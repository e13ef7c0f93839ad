import { describe, expect, it } from 'vitest';
import { S3Error } from '../../src/errors/s3error.js';
import { parseQuery } from '../../src/auth/sigv4.js';
import {
  V2_CLIENT_SUBRESOURCES,
  V2_SUBRESOURCES,
  canonicalizedAmzHeaders,
  canonicalizedResource,
  parseV2Authorization,
  v2Sign,
  v2StringToSign,
  v2StringToSignCandidates,
  type V2StringToSignParts,
} from '../../src/auth/sigv2.js';

const AK = 'AKIAIOSFODNN7EXAMPLE';
const SK = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

interface V2Case {
  name: string;
  method: string;
  headers: Record<string, string | string[]>;
  resource: string;
  query?: string;
  /** the Date line: the Date header, or '' when x-amz-date is sent */
  date: string;
  stringToSign?: string;
  signature: string;
}

function parts(c: V2Case): V2StringToSignParts {
  const h = Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    method: c.method,
    contentMd5: String(h['content-md5'] ?? ''),
    contentType: String(h['content-type'] ?? ''),
    date: c.date,
    headers: h,
    resource: c.resource,
    query: parseQuery(c.query ?? ''),
  };
}

// "Signing and authenticating REST requests" (SigV2), the examples as AWS
// publishes them today (bucket awsexamplebucket1) ...
const current: V2Case[] = [
  {
    name: 'Object GET',
    method: 'GET',
    headers: { Host: 'awsexamplebucket1.us-west-1.s3.amazonaws.com', Date: 'Tue, 27 Mar 2007 19:36:42 +0000' },
    resource: '/awsexamplebucket1/photos/puppy.jpg',
    date: 'Tue, 27 Mar 2007 19:36:42 +0000',
    stringToSign: 'GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg',
    signature: 'qgk2+6Sv9/oM7G3qLEjTH1a1l1g=',
  },
  {
    name: 'Object PUT',
    method: 'PUT',
    headers: { 'Content-Type': 'image/jpeg', 'Content-Length': '94328', Date: 'Tue, 27 Mar 2007 21:15:45 +0000' },
    resource: '/awsexamplebucket1/photos/puppy.jpg',
    date: 'Tue, 27 Mar 2007 21:15:45 +0000',
    stringToSign: 'PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/awsexamplebucket1/photos/puppy.jpg',
    signature: 'iqRzw+ileNPu1fhspnRs8nOjjIA=',
  },
  {
    name: 'List (query parameters that are not sub-resources)',
    method: 'GET',
    headers: { 'User-Agent': 'Mozilla/5.0', Date: 'Tue, 27 Mar 2007 19:42:41 +0000' },
    resource: '/awsexamplebucket1/',
    query: 'prefix=photos&max-keys=50&marker=puppy',
    date: 'Tue, 27 Mar 2007 19:42:41 +0000',
    stringToSign: 'GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/awsexamplebucket1/',
    signature: 'm0WP8eCtspQl5Ahe6L1SozdX9YA=',
  },
  {
    name: 'Fetch (?acl)',
    method: 'GET',
    headers: { Date: 'Tue, 27 Mar 2007 19:44:46 +0000' },
    resource: '/awsexamplebucket1/',
    query: 'acl',
    date: 'Tue, 27 Mar 2007 19:44:46 +0000',
    stringToSign: 'GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/awsexamplebucket1/?acl',
    signature: '82ZHiFIjc+WbcwFKGUVEQspPn+0=',
  },
  {
    name: 'Upload (x-amz-* headers, a repeated one, Content-MD5)',
    method: 'PUT',
    headers: {
      'User-Agent': 'curl/7.15.5',
      Date: 'Tue, 27 Mar 2007 21:06:08 +0000',
      'x-amz-acl': 'public-read',
      'content-type': 'application/x-download',
      'Content-MD5': '4gJE4saaMU4BqNR0kLY+lw==',
      'X-Amz-Meta-ReviewedBy': ['joe@example.com', 'jane@example.com'],
      'X-Amz-Meta-FileChecksum': '0x02661779',
      'X-Amz-Meta-ChecksumAlgorithm': 'crc32',
      'Content-Disposition': 'attachment; filename=database.dat',
      'Content-Encoding': 'gzip',
      'Content-Length': '5913339',
    },
    resource: '/static.example.com/db-backup.dat.gz',
    date: 'Tue, 27 Mar 2007 21:06:08 +0000',
    stringToSign:
      'PUT\n4gJE4saaMU4BqNR0kLY+lw==\napplication/x-download\nTue, 27 Mar 2007 21:06:08 +0000\n' +
      'x-amz-acl:public-read\nx-amz-meta-checksumalgorithm:crc32\nx-amz-meta-filechecksum:0x02661779\n' +
      'x-amz-meta-reviewedby:joe@example.com,jane@example.com\n/static.example.com/db-backup.dat.gz',
    signature: 'jtBQa0Aq+DkULFI8qrpwIjGEx0E=',
  },
  {
    name: 'List all my buckets',
    method: 'GET',
    headers: { Date: 'Wed, 28 Mar 2007 01:29:59 +0000' },
    resource: '/',
    date: 'Wed, 28 Mar 2007 01:29:59 +0000',
    stringToSign: 'GET\n\n\nWed, 28 Mar 2007 01:29:59 +0000\n/',
    signature: 'qGdzdERIC03wnaRNKh6OqZehG9s=',
  },
  {
    // The page prints the second segment with lowercase escapes, but its
    // signature is the one of the uppercase form: the resource is signed
    // exactly as sent, and this client sent uppercase.
    name: 'Unicode keys (resource as sent, percent-encoded)',
    method: 'GET',
    headers: { Date: 'Wed, 28 Mar 2007 01:49:49 +0000' },
    resource: '/dictionary/fran%C3%A7ais/pr%C3%A9f%C3%A8re',
    date: 'Wed, 28 Mar 2007 01:49:49 +0000',
    stringToSign: 'GET\n\n\nWed, 28 Mar 2007 01:49:49 +0000\n/dictionary/fran%C3%A7ais/pr%C3%A9f%C3%A8re',
    signature: '81VEw/Bc3GDt/k65Xrrk3AdfI4c=',
  },
];

// ... and the older edition of the same page (bucket johnsmith).
const johnsmith: V2Case[] = [
  {
    name: 'Object GET',
    method: 'GET',
    headers: { Host: 'johnsmith.s3.amazonaws.com', Date: 'Tue, 27 Mar 2007 19:36:42 +0000' },
    resource: '/johnsmith/photos/puppy.jpg',
    date: 'Tue, 27 Mar 2007 19:36:42 +0000',
    signature: 'bWq2s1WEIj+Ydj0vQ697zp+IXMU=',
  },
  {
    name: 'Object PUT',
    method: 'PUT',
    headers: { 'Content-Type': 'image/jpeg', 'Content-Length': '94328', Date: 'Tue, 27 Mar 2007 21:15:45 +0000' },
    resource: '/johnsmith/photos/puppy.jpg',
    date: 'Tue, 27 Mar 2007 21:15:45 +0000',
    signature: 'MyyxeRY7whkBe+bq8fHCL/2kKUg=',
  },
  {
    name: 'List',
    method: 'GET',
    headers: { Date: 'Tue, 27 Mar 2007 19:42:41 +0000' },
    resource: '/johnsmith/',
    query: 'prefix=photos&max-keys=50&marker=puppy',
    date: 'Tue, 27 Mar 2007 19:42:41 +0000',
    signature: 'htDYFYduRNen8P9ZfE/s9SuKy0U=',
  },
  {
    name: 'Fetch (?acl)',
    method: 'GET',
    headers: { Date: 'Tue, 27 Mar 2007 19:44:46 +0000' },
    resource: '/johnsmith/',
    query: 'acl',
    date: 'Tue, 27 Mar 2007 19:44:46 +0000',
    signature: 'c2WLPFtWHVgbEmeEG93a4cG37dM=',
  },
  {
    // x-amz-date replaces Date: the Date line is empty and x-amz-date is signed.
    name: 'Delete with x-amz-date',
    method: 'DELETE',
    headers: { 'User-Agent': 'dotnet', Date: 'Tue, 27 Mar 2007 21:20:27 +0000', 'x-amz-date': 'Tue, 27 Mar 2007 21:20:26 +0000' },
    resource: '/johnsmith/photos/puppy.jpg',
    date: '',
    stringToSign: 'DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n/johnsmith/photos/puppy.jpg',
    signature: 'R4dJ53KECjStyBO5iTBJZ4XVOaI=',
  },
  {
    name: 'Upload',
    method: 'PUT',
    headers: {
      Date: 'Tue, 27 Mar 2007 21:06:08 +0000',
      'x-amz-acl': 'public-read',
      'content-type': 'application/x-download',
      'Content-MD5': '4gJE4saaMU4BqNR0kLY+lw==',
      'X-Amz-Meta-ReviewedBy': ['joe@johnsmith.net', 'jane@johnsmith.net'],
      'X-Amz-Meta-FileChecksum': '0x02661779',
      'X-Amz-Meta-ChecksumAlgorithm': 'crc32',
    },
    resource: '/static.johnsmith.net/db-backup.dat.gz',
    date: 'Tue, 27 Mar 2007 21:06:08 +0000',
    signature: 'ilyl83RwaSoYIEdixDQcA4OnAnc=',
  },
  {
    name: 'Multi-object delete (?delete, x-amz-date, Content-MD5)',
    method: 'POST',
    headers: { 'x-amz-date': 'Wed, 30 Nov 2011 03:39:05 GMT', 'Content-MD5': 'p5/WA/oEr30qrEEl21PAqw==', 'Content-Length': '125' },
    resource: '/bucketname/',
    query: 'delete',
    date: '',
    stringToSign: 'POST\np5/WA/oEr30qrEEl21PAqw==\n\n\nx-amz-date:Wed, 30 Nov 2011 03:39:05 GMT\n/bucketname/?delete',
    signature: 'DXGmXMY+1QnRGC7vicUqu1gTmK4=',
  },
];

describe('the AWS SigV2 REST examples', () => {
  for (const [edition, cases] of [
    ['awsexamplebucket1', current],
    ['johnsmith', johnsmith],
  ] as const) {
    for (const c of cases) {
      it(`${edition}: ${c.name}`, () => {
        const sts = v2StringToSign(parts(c));
        if (c.stringToSign !== undefined) expect(sts).toBe(c.stringToSign);
        expect(v2Sign(SK, sts)).toBe(c.signature);
        const auth = parseV2Authorization(`AWS ${AK}:${c.signature}`);
        expect(auth).toEqual({ accessKey: AK, signature: c.signature });
      });
    }
  }
});

describe('SigV2 presigned query', () => {
  it('the documented query-string example (Expires in the Date line)', () => {
    const rawQuery = 'AWSAccessKeyId=44CF9590006BF252F707&Expires=1141889120&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D';
    const q = new Map(parseQuery(rawQuery));
    expect(q.get('Signature')).toBe('vjbyPxybdZaNmGa+yT272YEAiv4=');
    const sts = v2StringToSign({
      method: 'GET',
      contentMd5: '',
      contentType: '',
      date: q.get('Expires')!,
      headers: {},
      resource: '/quotes/nelson',
      query: parseQuery(rawQuery),
    });
    expect(sts).toBe('GET\n\n\n1141889120\n/quotes/nelson');
    expect(v2Sign('OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV', sts)).toBe(q.get('Signature'));
  });

  it('signs response overrides and versionId, decoded, next to AWSAccessKeyId/Expires/Signature', () => {
    const rawQuery =
      'AWSAccessKeyId=AK&Expires=1700000000&response-content-disposition=attachment%3B%20filename%3D%22a%20b.txt%22&versionId=3%2FL4kqtJl&Signature=x';
    const sts = v2StringToSign({
      method: 'GET',
      contentMd5: '',
      contentType: '',
      date: '1700000000',
      headers: { 'x-amz-security-token': 'tok' },
      resource: '/b/k%20ey',
      query: parseQuery(rawQuery),
    });
    expect(sts).toBe(
      'GET\n\n\n1700000000\nx-amz-security-token:tok\n/b/k%20ey?response-content-disposition=attachment; filename="a b.txt"&versionId=3/L4kqtJl',
    );
  });
});

describe('canonicalization details', () => {
  it('amz headers: lowercased, sorted, trimmed, unfolded, repeats joined with a comma', () => {
    expect(
      canonicalizedAmzHeaders({
        'X-Amz-Meta-B': '  two  words ',
        'x-amz-meta-a': ['1', ' 2 '],
        'X-AMZ-META-A': '3',
        'x-amz-meta-fold': 'line one\r\n   line two',
        'x-amz-absent': undefined,
        'content-type': 'text/plain',
        'x-amzn-not': 'no',
      }),
    ).toBe('x-amz-meta-a:1,2,3\nx-amz-meta-b:two  words\nx-amz-meta-fold:line one line two\n');
    expect(canonicalizedAmzHeaders({})).toBe('');
  });

  it('sub-resources: sorted, value-less as a bare name, others dropped', () => {
    const q = parseQuery('uploadId=abc%2Bd&partNumber=3&max-parts=2&x-id=UploadPart');
    expect(canonicalizedResource('/b/k', q)).toBe('/b/k?partNumber=3&uploadId=abc+d');
    expect(canonicalizedResource('/b/', parseQuery('uploads='))).toBe('/b/?uploads');
    expect(canonicalizedResource('/b/', parseQuery('versions&prefix=p'))).toBe('/b/?versions');
    expect(canonicalizedResource('/b/k', parseQuery('tagging&versionId=1'))).toBe('/b/k?tagging&versionId=1');
    expect(canonicalizedResource('/b/k', parseQuery('retention'))).toBe('/b/k?retention');
    expect(canonicalizedResource('/b/', parseQuery('object-lock'))).toBe('/b/?object-lock');
  });

  it('every client list is a subset of the default union', () => {
    for (const set of V2_CLIENT_SUBRESOURCES) for (const n of set) expect(V2_SUBRESOURCES.has(n), n).toBe(true);
  });

  it('candidates cover clients that leave a sub-resource out (botocore and ?retention)', () => {
    const p: V2StringToSignParts = {
      method: 'GET',
      contentMd5: '',
      contentType: '',
      date: 'Tue, 27 Mar 2007 19:36:42 +0000',
      headers: {},
      resource: '/b/k',
      query: parseQuery('retention'),
    };
    const all = v2StringToSignCandidates(p);
    expect(all).toEqual(['GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/b/k?retention', 'GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/b/k']);
    // a request without a disputed parameter has a single candidate
    expect(v2StringToSignCandidates({ ...p, query: parseQuery('acl') })).toHaveLength(1);
  });
});

describe('parseV2Authorization', () => {
  it('rejects anything but "AWS AKID:signature" with InvalidArgument', () => {
    for (const bad of ['AWS', 'AWS AKID', 'AWS :sig', 'AWS AKID:', 'AWS4 AKID:sig', 'Bearer x', 'AWS AK ID:sig']) {
      let err: unknown;
      try {
        parseV2Authorization(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(S3Error);
      const s3 = err as S3Error;
      expect(s3.code).toBe('InvalidArgument');
      expect(s3.message).toBe('AWS authorization header is invalid.  Expected AwsAccessKeyId:signature');
      expect(s3.extra).toEqual({ ArgumentName: 'Authorization', ArgumentValue: bad });
    }
  });
});
