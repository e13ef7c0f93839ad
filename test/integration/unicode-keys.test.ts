/**
 * Keys from every Unicode plane through @aws-sdk/client-s3, and every XML
 * document that carries a key, read raw as well: the bytes must be valid
 * UTF-8, hold no character reference to a UTF-16 surrogate (which is not
 * XML), and give back exactly the key that was stored.
 */
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/cli/signer.js';
import { escapeXml } from '../../src/xml/xml.js';
import { ACCESS_KEY, SECRET_KEY, startTestServer, type TestServer } from '../helpers/server.js';
import { s3Error } from '../helpers/s3.js';

/** One key per kind of character, each under its own prefix. */
const KEYS = {
  ascii: 'ascii/plain-key_1.txt',
  latin1: 'latin1/café ñ ü ß ÿ',
  cjk: 'bmp/中文 日本語 한국어',
  fffd: 'bmp/around fffd \ufffb\ufffc\ufffd \ud7ff\ue000 \ufeff',
  emoji: 'emoji/😀 grin 🎉.txt',
  plane2: 'plane2/𠀀 𪜀 𪘀',
  plane14: 'plane14/tags \u{E0041}\u{E0042}\u{E007F}',
  plane15: 'plane15/private \u{F0000}',
  plane16: 'plane16/private \u{10FFFD}',
  combining: 'combining/e\u0301 a\u0308 n\u0303',
  zwj: 'zwj/👩\u200d💻 👨\u200d👩\u200d👧 🏳️\u200d🌈',
} satisfies Record<string, string>;
const ALL = Object.values(KEYS);
/** S3's listing order: by UTF-8 bytes (not UTF-16 code units, which put U+E000.. after a surrogate pair). */
const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const SORTED = [...ALL].sort(byUtf8);

let ts: TestServer;
let s3: S3Client;
const bucket = 'unicode-keys';
const versioned = 'unicode-keys-versioned';

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new CreateBucketCommand({ Bucket: versioned }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: versioned, VersioningConfiguration: { Status: 'Enabled' } }));
  for (const k of ALL) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: `body of ${k}` }));
    await s3.send(new PutObjectCommand({ Bucket: versioned, Key: k, Body: 'v1' }));
    await s3.send(new PutObjectCommand({ Bucket: versioned, Key: k, Body: 'v2' }));
  }
});
afterAll(async () => ts?.stop());

/** A signed request (path and query given decoded; signRequest encodes them as S3 canonicalises). */
async function raw(method: string, path: string, query: Array<[string, string]> = [], opts: { body?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined) headers['content-md5'] = createHash('md5').update(opts.body).digest('base64');
  const signed = signRequest({
    endpoint: ts.url,
    method,
    path,
    query,
    headers,
    accessKey: ACCESS_KEY,
    secretKey: SECRET_KEY,
    region: 'us-east-1',
    now: new Date(),
  });
  const res = await request(signed.url, { method: method as 'GET', headers: signed.headers, body: opts.body });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, bytes, text: bytes.toString('utf8') };
}

/** Valid UTF-8, no reference to a surrogate (hex or decimal), and each key present literally as its escaped text. */
function expectCleanXml(bytes: Buffer, keys: readonly string[], what: string): string {
  let text = '';
  expect(() => {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  }, `${what}: the body is not valid UTF-8`).not.toThrow();
  expect(text, what).not.toMatch(/&#x0*d[89a-f][0-9a-f]{2};/i);
  expect(text, what).not.toMatch(/&#0*5(?:5[2-9]\d\d|6\d{3}|7[0-2]\d\d|73[0-3]\d|734[0-3]);/);
  for (const k of keys) expect(text, `${what}: ${k}`).toContain(`<Key>${escapeXml(k)}</Key>`);
  return text;
}

/** The <Key> elements of a document, unescaped (only &amp; and friends can occur: no controls in these keys). */
function keysIn(text: string, element = 'Key'): string[] {
  const re = new RegExp(`<${element}>([^<]*)</${element}>`, 'g');
  return [...text.matchAll(re)].map((m) =>
    m[1]!
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&'),
  );
}

describe('keys from every Unicode plane', () => {
  it('PutObject, GetObject, HeadObject: each key addresses its own object', async () => {
    for (const k of ALL) {
      const g = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: k }));
      expect(await g.Body!.transformToString(), k).toBe(`body of ${k}`);
      const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: k }));
      expect(h.ContentLength, k).toBe(Buffer.byteLength(`body of ${k}`));
    }
  });

  it('ListObjects (v1): the SDK and the raw XML give back every key exactly, in UTF-8 byte order', async () => {
    const l = await s3.send(new ListObjectsCommand({ Bucket: bucket }));
    expect(l.Contents?.map((o) => o.Key)).toEqual(SORTED);
    const r = await raw('GET', `/${bucket}`);
    expect(r.status).toBe(200);
    expect(keysIn(expectCleanXml(r.bytes, ALL, 'ListObjects'))).toEqual(SORTED);
    // A prefix and a marker with non-BMP characters, and a delimiter that rolls them up.
    const p = await s3.send(new ListObjectsCommand({ Bucket: bucket, Prefix: 'emoji/😀', Marker: 'emoji/' }));
    expect(p.Contents?.map((o) => o.Key)).toEqual([KEYS.emoji]);
    expect(p.Prefix).toBe('emoji/😀');
    const d = await raw('GET', `/${bucket}`, [
      ['prefix', 'zwj/'],
      ['delimiter', '💻'],
    ]);
    const prefixes = keysIn(expectCleanXml(d.bytes, [], 'ListObjects delimiter'), 'Prefix');
    expect(prefixes).toEqual(['zwj/', 'zwj/👩\u200d💻']);
    expect(d.text).toContain('<Delimiter>💻</Delimiter>');
  });

  it('ListObjectsV2 without encoding-type: exact keys, StartAfter and continuation through non-BMP keys', async () => {
    const r = await raw('GET', `/${bucket}`, [['list-type', '2']]);
    expect(keysIn(expectCleanXml(r.bytes, ALL, 'ListObjectsV2'))).toEqual(SORTED);
    const seen: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 20; page++) {
      const l = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 2, ContinuationToken: token }));
      seen.push(...(l.Contents ?? []).map((o) => o.Key!));
      if (!l.IsTruncated) break;
      token = l.NextContinuationToken;
    }
    expect(seen).toEqual(SORTED);
    const after = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: KEYS.emoji }));
    expect(after.Contents?.map((o) => o.Key)).toEqual(SORTED.slice(SORTED.indexOf(KEYS.emoji) + 1));
    expect(after.StartAfter).toBe(KEYS.emoji);
  });

  it('ListObjectsV2 with encoding-type=url: percent-encoded UTF-8 that decodes to the exact keys', async () => {
    const r = await raw('GET', `/${bucket}`, [
      ['list-type', '2'],
      ['encoding-type', 'url'],
      ['prefix', 'plane'],
      ['start-after', 'plane14/'],
    ]);
    const text = expectCleanXml(r.bytes, [], 'ListObjectsV2 url');
    expect(text).toContain('<EncodingType>url</EncodingType>');
    const encoded = keysIn(text);
    for (const e of encoded) expect(e).toMatch(/^[A-Za-z0-9%+._~\-/*]*$/);
    expect(encoded.map((e) => decodeURIComponent(e.replace(/\+/g, ' ')))).toEqual([KEYS.plane14, KEYS.plane15, KEYS.plane16, KEYS.plane2]);
    expect(text).toContain(`<StartAfter>${encodeURIComponent('plane14/')}</StartAfter>`.replace('%2F', '/'));
    // The SDK asks for and decodes url encoding itself when told to.
    const l = await s3.send(new ListObjectsV2Command({ Bucket: bucket, EncodingType: 'url' }));
    expect(l.Contents?.map((o) => decodeURIComponent(o.Key!.replace(/\+/g, ' ')))).toEqual(SORTED);
  });

  it('ListObjectVersions: every version and delete marker carries the exact key', async () => {
    const marker = await s3.send(new DeleteObjectsCommand({ Bucket: versioned, Delete: { Objects: [{ Key: KEYS.plane2 }, { Key: KEYS.zwj }] } }));
    expect(marker.Deleted?.map((d) => [d.Key, d.DeleteMarker])).toEqual([
      [KEYS.plane2, true],
      [KEYS.zwj, true],
    ]);
    const v = await s3.send(new ListObjectVersionsCommand({ Bucket: versioned }));
    const versions = (v.Versions ?? []).map((x) => x.Key!);
    expect(versions).toEqual(SORTED.flatMap((k) => [k, k]));
    expect((v.DeleteMarkers ?? []).map((x) => x.Key)).toEqual([KEYS.plane2, KEYS.zwj].sort(byUtf8));
    const r = await raw('GET', `/${versioned}`, [['versions', '']]);
    expect(r.status).toBe(200);
    expect(keysIn(expectCleanXml(r.bytes, ALL, 'ListObjectVersions')).sort(byUtf8)).toEqual(
      [...SORTED.flatMap((k) => [k, k]), KEYS.plane2, KEYS.zwj].sort(byUtf8),
    );
    // Paging by key-marker through a non-BMP key.
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: versioned, KeyMarker: KEYS.emoji }));
    expect(page.KeyMarker).toBe(KEYS.emoji);
    expect(new Set((page.Versions ?? []).map((x) => x.Key))).toEqual(new Set(SORTED.slice(SORTED.indexOf(KEYS.emoji) + 1)));
  });

  it('CreateMultipartUpload, ListMultipartUploads, ListParts, CompleteMultipartUpload: the key in every result; nothing left open', async () => {
    const uploads = new Map<string, string>();
    for (const k of ALL) {
      const c = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `mp/${k}` }));
      expect(c.Key, k).toBe(`mp/${k}`);
      uploads.set(`mp/${k}`, c.UploadId!);
    }
    const rawCreate = await raw('POST', `/${bucket}/mp/${KEYS.emoji}`, [['uploads', '']]);
    expect(rawCreate.status).toBe(200);
    expectCleanXml(rawCreate.bytes, [`mp/${KEYS.emoji}`], 'InitiateMultipartUploadResult');
    const extraId = /<UploadId>([^<]+)<\/UploadId>/.exec(rawCreate.text)![1]!;
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: `mp/${KEYS.emoji}`, UploadId: extraId }));

    const lu = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(lu.Uploads?.map((u) => u.Key)).toEqual(SORTED.map((k) => `mp/${k}`));
    const rawList = await raw('GET', `/${bucket}`, [['uploads', '']]);
    expect(
      keysIn(
        expectCleanXml(
          rawList.bytes,
          ALL.map((k) => `mp/${k}`),
          'ListMultipartUploads',
        ),
      ),
    ).toEqual(SORTED.map((k) => `mp/${k}`));
    const luPrefix = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'mp/plane', KeyMarker: `mp/${KEYS.plane14}` }));
    expect(luPrefix.Uploads?.map((u) => u.Key)).toEqual([`mp/${KEYS.plane15}`, `mp/${KEYS.plane16}`, `mp/${KEYS.plane2}`]);

    for (const [key, id] of uploads) {
      const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: id, PartNumber: 1, Body: `part of ${key}` }));
      const lp = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: id }));
      expect(lp.Key, key).toBe(key);
      expect(lp.Parts?.map((p) => p.ETag)).toEqual([part.ETag]);
      const rawParts = await raw('GET', `/${bucket}/${key}`, [['uploadId', id]]);
      expectCleanXml(rawParts.bytes, [key], 'ListPartsResult');
      const done = await s3.send(
        new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
      );
      expect(done.Key, key).toBe(key);
      expect(decodeURIComponent(new URL(done.Location!).pathname)).toBe(`/${bucket}/${key}`);
      const g = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(await g.Body!.transformToString()).toBe(`part of ${key}`);
    }
    // The Complete result, raw.
    const key = `mp2/${KEYS.plane16}`;
    const c = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: c.UploadId, PartNumber: 1, Body: 'x' }));
    const body = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.ETag}</ETag></Part></CompleteMultipartUpload>`;
    const rawDone = await raw('POST', `/${bucket}/${key}`, [['uploadId', c.UploadId!]], { body });
    expect(rawDone.status).toBe(200);
    expectCleanXml(rawDone.bytes, [key], 'CompleteMultipartUploadResult');
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([]);
  });

  it('CopyObject between non-BMP keys: the result is valid XML and the copy holds the source', async () => {
    for (const k of ALL) {
      const c = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: `copy/${k}`, CopySource: `${bucket}/${encodeURIComponent(k)}` }));
      expect(c.CopyObjectResult?.ETag, k).toBeTruthy();
      const g = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `copy/${k}` }));
      expect(await g.Body!.transformToString(), k).toBe(`body of ${k}`);
    }
    const r = await raw('PUT', `/${bucket}/copy2/${KEYS.emoji}`, [], { headers: { 'x-amz-copy-source': `/${bucket}/${encodeURIComponent(KEYS.emoji)}` } });
    expect(r.status).toBe(200);
    const text = expectCleanXml(r.bytes, [], 'CopyObjectResult');
    expect(text).toContain('<CopyObjectResult');
  });

  it('DeleteObjects: Deleted and Error entries carry the exact keys (SDK and raw)', async () => {
    const keys = ALL.map((k) => `copy/${k}`);
    // A malformed version id is an Error entry (NoSuchVersion) that names its key.
    const withErrors = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key, VersionId: 'not-a-version' })) } }),
    );
    expect(withErrors.Errors?.map((e) => [e.Key, e.Code])).toEqual(keys.map((k) => [k, 'NoSuchVersion']));
    const errBody = `<Delete>${keys.map((k) => `<Object><Key>${escapeXml(k)}</Key><VersionId>not-a-version</VersionId></Object>`).join('')}</Delete>`;
    const rawErrors = await raw('POST', `/${bucket}`, [['delete', '']], { body: errBody });
    expect(rawErrors.status).toBe(200);
    expect(keysIn(expectCleanXml(rawErrors.bytes, keys, 'DeleteResult errors'))).toEqual(keys);
    // Deleted entries, SDK then raw.
    const d = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(0, 6).map((Key) => ({ Key })) } }));
    expect(d.Deleted?.map((x) => x.Key)).toEqual(keys.slice(0, 6));
    const body = `<Delete>${keys
      .slice(6)
      .map((k) => `<Object><Key>${escapeXml(k)}</Key></Object>`)
      .join('')}</Delete>`;
    const rawDeleted = await raw('POST', `/${bucket}`, [['delete', '']], { body });
    expect(keysIn(expectCleanXml(rawDeleted.bytes, keys.slice(6), 'DeleteResult'))).toEqual(keys.slice(6));
    // Keys sent as character references come back as the characters.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'ref/😀', Body: 'r' }));
    const refs = await raw('POST', `/${bucket}`, [['delete', '']], { body: '<Delete><Object><Key>ref/&#x1F600;</Key></Object></Delete>' });
    expect(keysIn(expectCleanXml(refs.bytes, ['ref/😀'], 'DeleteResult refs'))).toEqual(['ref/😀']);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'copy/' }));
    expect(left.KeyCount).toBe(0);
  });

  it('error bodies: NoSuchKey carries the exact key in <Key>', async () => {
    for (const k of [KEYS.emoji, KEYS.plane16, KEYS.zwj]) {
      const missing = `missing/${k}`;
      const e = await s3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: missing })));
      expect(e.name).toBe('NoSuchKey');
      expect((e as unknown as { Key?: string }).Key).toBe(missing);
      const r = await raw('GET', `/${bucket}/${missing}`);
      expect(r.status).toBe(404);
      const text = expectCleanXml(r.bytes, [missing], 'NoSuchKey');
      expect(text).toContain('<Code>NoSuchKey</Code>');
    }
  });
});
