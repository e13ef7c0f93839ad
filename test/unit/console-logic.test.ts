import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../helpers/signing.js';
import { describe, expect, it } from 'vitest';
import {
  breadcrumbs,
  bucketPolicyForm,
  formatBytes,
  isPublicRead,
  planParts,
  previewKind,
  usesMultipart,
  withPublicRead,
} from '../../src/console/web/logic.js';
import { canonicalQuery, objectPath, presign, signHeaders, uriEncode } from '../../src/console/web/sigv4.js';

const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const now = new Date('2026-12-02T10:11:12Z');

describe('console multipart planning', () => {
  it('splits into 8 MiB parts, the last one short', () => {
    const parts = planParts(20 * 1024 * 1024);
    expect(parts.map((p) => [p.partNumber, p.end - p.start])).toEqual([
      [1, 8 * 1024 * 1024],
      [2, 8 * 1024 * 1024],
      [3, 4 * 1024 * 1024],
    ]);
    expect(parts.at(-1)?.end).toBe(20 * 1024 * 1024);
  });
  it('never plans more than 10,000 parts nor parts under 5 MiB', () => {
    const size = 200 * 1024 ** 3;
    const parts = planParts(size);
    expect(parts.length).toBeLessThanOrEqual(10_000);
    expect(parts.at(-1)?.end).toBe(size);
    expect(planParts(30 * 1024 * 1024, 1024)[0]?.end).toBe(5 * 1024 * 1024);
  });
  it('uploads small files in one PUT', () => {
    expect(usesMultipart(16 * 1024 * 1024)).toBe(false);
    expect(usesMultipart(16 * 1024 * 1024 + 1)).toBe(true);
  });
});

describe('console policy forms', () => {
  it('adds and removes its public-read statement, keeping the others', () => {
    const other = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'Mine', Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::photos/*' }],
    });
    const on = withPublicRead(other, 'photos', true)!;
    expect(isPublicRead(on)).toBe(true);
    const doc = JSON.parse(on) as { Statement: { Sid: string; Resource: string; Principal: string }[] };
    expect(doc.Statement.map((s) => s.Sid)).toEqual(['Mine', 'CairnConsolePublicRead']);
    expect(doc.Statement[1]).toMatchObject({ Principal: '*', Resource: 'arn:aws:s3:::photos/*' });
    const off = withPublicRead(on, 'photos', false)!;
    expect(isPublicRead(off)).toBe(false);
    expect((JSON.parse(off) as { Statement: unknown[] }).Statement).toHaveLength(1);
    expect(withPublicRead(withPublicRead(undefined, 'b', true), 'b', false)).toBeUndefined();
  });
  it('writes a read-only bucket policy for a user', () => {
    const doc = JSON.parse(bucketPolicyForm('photos', 'read')) as { Statement: { Action: string[]; Resource: string | string[] }[] };
    expect(doc.Statement[1]?.Action).not.toContain('s3:PutObject');
    expect(doc.Statement[1]?.Resource).toEqual(['arn:aws:s3:::photos', 'arn:aws:s3:::photos/*']);
  });
});

describe('console helpers', () => {
  it('breadcrumbs, sizes and preview kinds', () => {
    expect(breadcrumbs('a/b/')).toEqual([
      { prefix: 'a/', label: 'a' },
      { prefix: 'a/b/', label: 'b' },
    ]);
    expect(formatBytes(20 * 1024 * 1024)).toBe('20 MiB');
    expect(formatBytes(512)).toBe('512 B');
    expect(previewKind('x.PNG')).toBe('image');
    expect(previewKind('notes', 'text/plain')).toBe('text');
    expect(previewKind('a.bin', 'application/octet-stream')).toBeUndefined();
  });
});

describe('the browser signer', () => {
  it('encodes as SigV4 wants', () => {
    expect(uriEncode("a b!'()*~")).toBe('a%20b%21%27%28%29%2A~');
    expect(objectPath('b', 'dir/é x.txt')).toBe('/b/dir/%C3%A9%20x.txt');
    expect(canonicalQuery({ b: '2', a: '', 'x y': 'z/' })).toBe('a=&b=2&x%20y=z%2F');
  });

  it('signs headers exactly as the AWS SDK does', async () => {
    const mine = await signHeaders(creds, {
      method: 'PUT',
      path: '/photos/dir/a%20b.jpg',
      query: { partNumber: '1', uploadId: 'u/1' },
      headers: { 'content-type': 'image/jpeg' },
      payloadHash: 'UNSIGNED-PAYLOAD',
      host: '127.0.0.1:9000',
      region: 'us-east-1',
      service: 's3',
      now,
    });
    const signer = new SignatureV4({ credentials: creds, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false });
    const theirs = await signer.sign(
      {
        method: 'PUT',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: 9000,
        path: '/photos/dir/a%20b.jpg',
        query: { partNumber: '1', uploadId: 'u/1' },
        headers: { host: '127.0.0.1:9000', 'content-type': 'image/jpeg', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      },
      { signingDate: now },
    );
    expect(mine.authorization).toBe(theirs.headers.authorization);
  });

  it('presigns exactly as the AWS SDK does', async () => {
    const url = await presign(creds, { method: 'GET', path: '/photos/a.txt', host: 'nas.local:9000', region: 'us-east-1', service: 's3', now, expires: 3600 });
    const signer = new SignatureV4({ credentials: creds, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false });
    const theirs = await signer.presign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: 'nas.local',
        port: 9000,
        path: '/photos/a.txt',
        query: {},
        headers: { host: 'nas.local:9000', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      },
      // As the S3 presigner does: the payload is UNSIGNED-PAYLOAD, and only host is signed.
      { signingDate: now, expiresIn: 3600, unsignableHeaders: new Set(['x-amz-content-sha256']), unhoistableHeaders: new Set(['x-amz-content-sha256']) },
    );
    expect(new URL(url, 'http://nas.local:9000').searchParams.get('X-Amz-Signature')).toBe(theirs.query?.['X-Amz-Signature']);
  });
});
