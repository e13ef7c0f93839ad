/**
 * Request documents S3 refuses: a DOCTYPE (internal entities are never
 * expanded), undefined entities, characters XML does not allow, invalid
 * UTF-8, values that do not validate against S3's schema. Each gets S3's
 * code, and each leaves everything as it was.
 */
import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/cli/signer.js';
import { ACCESS_KEY, SECRET_KEY, startTestServer, type TestServer } from '../helpers/server.js';

let ts: TestServer;
let s3: S3Client;

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
});
afterAll(async () => ts?.stop());

/** A signed request with a body (and its Content-MD5, which some of these operations require). */
async function send(method: string, path: string, query: Array<[string, string]>, body: string | Buffer, headers: Record<string, string> = {}) {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const h = { ...headers, 'content-md5': createHash('md5').update(bytes).digest('base64') };
  const signed = signRequest({
    endpoint: ts.url,
    method,
    path,
    query,
    headers: h,
    accessKey: ACCESS_KEY,
    secretKey: SECRET_KEY,
    region: 'us-east-1',
    now: new Date(),
  });
  const res = await request(signed.url, { method: method as 'POST', headers: signed.headers, body: bytes });
  const text = await res.body.text();
  return { status: res.statusCode, text, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] };
}

async function expectAnswer(p: ReturnType<typeof send>, code: string, status = 400, what = code): Promise<string> {
  const r = await p;
  expect({ status: r.status, code: r.code }, `${what}: ${r.text}`).toEqual({ status, code });
  return r.text;
}

async function exists(bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (e) {
    if (e instanceof S3ServiceException && e.name === 'NoSuchKey') return false;
    throw e;
  }
}

/** Bytes that are not UTF-8: a lone continuation byte, a truncated sequence, an overlong '/', a surrogate, past U+10FFFF. */
const INVALID_UTF8 = [[0x80], [0xff], [0xe2, 0x82], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]].map((b) => Buffer.from(b));
const withBytes = (before: string, bad: Buffer, after: string) => Buffer.concat([Buffer.from(before, 'utf8'), bad, Buffer.from(after, 'utf8')]);

describe('DeleteObjects request documents', () => {
  const b = 'xml-delete';
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    for (const k of ['keep', 'keep2', 'victim', 'a\ufffdb']) await s3.send(new PutObjectCommand({ Bucket: b, Key: k, Body: k }));
  });
  const del = (body: string | Buffer) => send('POST', `/${b}`, [['delete', '']], body);
  const allThere = async () => {
    for (const k of ['keep', 'keep2', 'victim', 'a\ufffdb']) expect(await exists(b, k), k).toBe(true);
  };

  it('a DOCTYPE is MalformedXML: an internal entity is never expanded into a key', async () => {
    await expectAnswer(del('<?xml version="1.0"?><!DOCTYPE Delete [<!ENTITY a "victim">]><Delete><Object><Key>&a;</Key></Object></Delete>'), 'MalformedXML');
    await expectAnswer(del('<!DOCTYPE Delete SYSTEM "file:///etc/passwd"><Delete><Object><Key>victim</Key></Object></Delete>'), 'MalformedXML');
    await expectAnswer(del('<Delete><!ENTITY a "victim"><Object><Key>victim</Key></Object></Delete>'), 'MalformedXML');
    await allThere();
  });

  it('an undefined or HTML entity, and a reference to a character XML does not allow, are MalformedXML', async () => {
    for (const key of ['&a;', 'vic&nbsp;tim', '&copy;', 'vic&#x1;tim', 'vic&#0;tim', 'a&#xD800;b', 'a&#xFFFE;b', 'victim&#x110000;']) {
      await expectAnswer(del(`<Delete><Object><Key>${key}</Key></Object><Object><Key>keep</Key></Object></Delete>`), 'MalformedXML', 400, key);
    }
    // A literal control character is not XML either (S3 answers MalformedXML; keys with one are deleted with DeleteObject).
    await expectAnswer(del('<Delete><Object><Key>vic\u0001tim</Key></Object><Object><Key>keep</Key></Object></Delete>'), 'MalformedXML');
    await allThere();
  });

  it('invalid UTF-8 is MalformedXML (it was read as U+FFFD and could name another key)', async () => {
    for (const bad of INVALID_UTF8) {
      await expectAnswer(
        del(withBytes('<Delete><Object><Key>keep</Key></Object><Object><Key>a', bad, 'b</Key></Object></Delete>')),
        'MalformedXML',
        400,
        bad.toString('hex'),
      );
    }
    await allThere();
    // The same document in valid UTF-8 deletes both.
    const ok = await send('POST', `/${b}`, [['delete', '']], '<Delete><Object><Key>keep2</Key></Object><Object><Key>a\ufffdb</Key></Object></Delete>');
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('<Key>a\ufffdb</Key>');
    expect(await exists(b, 'a\ufffdb')).toBe(false);
    expect(await exists(b, 'keep2')).toBe(false);
    for (const k of ['keep2', 'a\ufffdb']) await s3.send(new PutObjectCommand({ Bucket: b, Key: k, Body: k }));
  });

  it('Quiet must be a boolean: banana, empty or nested is MalformedXML; True and 1 are quiet', async () => {
    for (const q of ['banana', '', 'yes', '<x/>', 'true</Quiet><Quiet>true']) {
      await expectAnswer(del(`<Delete><Quiet>${q}</Quiet><Object><Key>victim</Key></Object></Delete>`), 'MalformedXML', 400, q);
    }
    await allThere();
    for (const q of ['True', '1', ' true ']) {
      const r = await send('POST', `/${b}`, [['delete', '']], `<Delete><Quiet>${q}</Quiet><Object><Key>never-existed</Key></Object></Delete>`);
      expect(r.status, q).toBe(200);
      expect(r.text, q).not.toContain('<Deleted>');
    }
    const verbose = await send('POST', `/${b}`, [['delete', '']], '<Delete><Quiet>0</Quiet><Object><Key>never-existed</Key></Object></Delete>');
    expect(verbose.text).toContain('<Deleted><Key>never-existed</Key></Deleted>');
  });

  it('an entry that does not validate fails the whole request before anything is deleted', async () => {
    // A nested VersionId used to be ignored: the current version was deleted instead of the one meant.
    await expectAnswer(del('<Delete><Object><Key>keep</Key></Object><Object><Key>victim</Key><VersionId><x/></VersionId></Object></Delete>'), 'MalformedXML');
    await expectAnswer(del('<Delete><Object><Key>keep</Key></Object><Object><Key>victim</Key><Key>keep2</Key></Object></Delete>'), 'MalformedXML');
    await expectAnswer(del('<Delete><Object><Key>keep</Key></Object><Object><Key><y/></Key></Object></Delete>'), 'MalformedXML');
    await expectAnswer(del('<Delete><Object><Key>victim</Key></Object></Delete><Delete><Object><Key>keep</Key></Object></Delete>'), 'MalformedXML');
    await expectAnswer(del('<Delete><Object><Key>victim</Key></Object></Delete><Extra/>'), 'MalformedXML');
    await expectAnswer(del('<Other><Object><Key>victim</Key></Object></Other>'), 'MalformedXML');
    await allThere();
  });
});

describe('CompleteMultipartUpload request documents', () => {
  const b = 'xml-complete';
  const key = 'assembled';
  let uploadId = '';
  let etag = '';
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    uploadId = (await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: key }))).UploadId!;
    etag = (await s3.send(new UploadPartCommand({ Bucket: b, Key: key, UploadId: uploadId, PartNumber: 1, Body: 'the only part' }))).ETag!;
  });
  const complete = (body: string | Buffer) => send('POST', `/${b}/${key}`, [['uploadId', uploadId]], body);
  const doc = (pn: string) => `<CompleteMultipartUpload><Part><PartNumber>${pn}</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`;
  const unchanged = async () => {
    expect(await exists(b, key)).toBe(false);
    const parts = await s3.send(new ListPartsCommand({ Bucket: b, Key: key, UploadId: uploadId }));
    expect(parts.Parts?.map((p) => p.PartNumber)).toEqual([1]);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: b }))).Uploads?.map((u) => u.UploadId)).toEqual([uploadId]);
  };

  it('a DOCTYPE, an undefined entity or invalid UTF-8 is MalformedXML; the upload stays open', async () => {
    await expectAnswer(
      complete(
        `<!DOCTYPE C [<!ENTITY n "1">]><CompleteMultipartUpload><Part><PartNumber>&n;</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`,
      ),
      'MalformedXML',
    );
    await expectAnswer(complete(doc('&one;')), 'MalformedXML');
    await expectAnswer(
      complete(
        withBytes('<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>', Buffer.from([0xff]), `${etag}</ETag></Part></CompleteMultipartUpload>`),
      ),
      'MalformedXML',
    );
    await unchanged();
  });

  it('PartNumber: garbage, a fraction or past 32 bits is MalformedXML; below 1 InvalidArgument; above 10000 InvalidPart', async () => {
    for (const pn of ['1.5', '99999999999', '2147483648', 'abc', '', '1e0', '0x1']) await expectAnswer(complete(doc(pn)), 'MalformedXML', 400, pn);
    for (const pn of ['0', '-1', '-2147483648']) {
      const text = await expectAnswer(complete(doc(pn)), 'InvalidArgument', 400, pn);
      expect(text).toContain('<Message>PartNumber must be &gt;= 1</Message>');
    }
    for (const pn of ['10001', '2147483647']) await expectAnswer(complete(doc(pn)), 'InvalidPart', 400, pn);
    await unchanged();
    // Whitespace around a valid number is fine (xs:int); the upload then completes.
    const ok = await complete(doc(' 1 '));
    expect(ok.status, ok.text).toBe(200);
    expect(await exists(b, key)).toBe(true);
  });
});

describe('Object Lock request documents', () => {
  const b = 'xml-lock';
  let versionId = '';
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: b, ObjectLockEnabledForBucket: true }));
    versionId = (await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'v' }))).VersionId!;
  });
  const lockConfig = (retention: string) =>
    send(
      'PUT',
      `/${b}`,
      [['object-lock', '']],
      `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode>${retention}</DefaultRetention></Rule></ObjectLockConfiguration>`,
    );
  const noDefault = async () => expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket: b }))).ObjectLockConfiguration?.Rule).toBeUndefined();

  it('Days and Years: xs:int, positive, at most 100 years; nothing is configured otherwise', async () => {
    for (const v of ['99999999999', '1.5', 'ten', '', '2147483648']) {
      await expectAnswer(lockConfig(`<Days>${v}</Days>`), 'MalformedXML', 400, `Days ${v}`);
      await expectAnswer(lockConfig(`<Years>${v}</Years>`), 'MalformedXML', 400, `Years ${v}`);
    }
    for (const v of ['0', '-1']) {
      const text = await expectAnswer(lockConfig(`<Days>${v}</Days>`), 'InvalidArgument', 400, `Days ${v}`);
      expect(text).toContain('<ArgumentName>Days</ArgumentName>');
      await expectAnswer(lockConfig(`<Years>${v}</Years>`), 'InvalidArgument', 400, `Years ${v}`);
    }
    await expectAnswer(lockConfig('<Days>36501</Days>'), 'InvalidArgument');
    await expectAnswer(lockConfig('<Years>101</Years>'), 'InvalidArgument');
    await expectAnswer(
      send(
        'PUT',
        `/${b}`,
        [['object-lock', '']],
        '<!DOCTYPE x><ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>',
      ),
      'MalformedXML',
    );
    await noDefault();
    // The limits themselves are accepted, and a PutObject then gets a retain-until date 100 years on.
    expect((await lockConfig('<Years>100</Years>')).status).toBe(200);
    expect((await lockConfig('<Days>36500</Days>')).status).toBe(200);
    const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'defaulted', Body: 'x' }));
    const r = await s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'defaulted', VersionId: put.VersionId }));
    expect(r.Retention?.RetainUntilDate!.getTime()).toBeGreaterThan(Date.now() + 36_499 * 86_400_000);
    await send('PUT', `/${b}`, [['object-lock', '']], '<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>');
    await noDefault();
  });

  it('RetainUntilDate must be an ISO 8601 date-time (MalformedXML otherwise); without a zone it is UTC', async () => {
    const retention = (mode: string, date: string) =>
      send(
        'PUT',
        `/${b}/k`,
        [
          ['retention', ''],
          ['versionId', versionId],
        ],
        `<Retention><Mode>${mode}</Mode><RetainUntilDate>${date}</RetainUntilDate></Retention>`,
      );
    for (const d of [
      'notadate',
      '1577836800',
      '2099-13-01T00:00:00Z',
      '2099-02-30T00:00:00Z',
      '2099-01-01',
      'Tue, 01 Jan 2099 00:00:00 GMT',
      '2099-01-01T25:00:00Z',
      '',
    ]) {
      await expectAnswer(retention('GOVERNANCE', d), 'MalformedXML', 400, d);
    }
    await expectAnswer(retention('SOMETIMES', '2099-01-01T00:00:00Z'), 'MalformedXML');
    await expectAnswer(s3Lock404(), 'NoSuchObjectLockConfiguration', 404);
    const ok = await retention('GOVERNANCE', '2099-01-01T00:00:00');
    expect(ok.status, ok.text).toBe(200);
    const got = await s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'k', VersionId: versionId }));
    expect(got.Retention?.RetainUntilDate?.toISOString()).toBe('2099-01-01T00:00:00.000Z');
    const offset = await retention('GOVERNANCE', '2099-01-01T05:30:00.250+05:30');
    expect(offset.status, offset.text).toBe(200);
    const got2 = await s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'k', VersionId: versionId }));
    expect(got2.Retention?.RetainUntilDate?.toISOString()).toBe('2099-01-01T00:00:00.250Z');
  });

  it('LegalHold: a DOCTYPE or an unknown Status is MalformedXML and sets nothing', async () => {
    const hold = (body: string | Buffer) =>
      send(
        'PUT',
        `/${b}/k`,
        [
          ['legal-hold', ''],
          ['versionId', versionId],
        ],
        body,
      );
    await expectAnswer(hold('<!DOCTYPE h [<!ENTITY s "ON">]><LegalHold><Status>&s;</Status></LegalHold>'), 'MalformedXML');
    await expectAnswer(hold('<LegalHold><Status>on</Status></LegalHold>'), 'MalformedXML');
    await expectAnswer(hold(withBytes('<LegalHold><Status>O', Buffer.from([0xc0]), 'N</Status></LegalHold>')), 'MalformedXML');
    try {
      await s3.send(new GetObjectLegalHoldCommand({ Bucket: b, Key: 'k', VersionId: versionId }));
      throw new Error('a legal hold was set');
    } catch (e) {
      expect((e as Error).name).toBe('NoSuchObjectLockConfiguration');
    }
  });

  /** GetObjectRetention of an object that has none, as an answer shaped like send()'s. */
  async function s3Lock404() {
    try {
      await s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'k', VersionId: versionId }));
      return { status: 200, text: '', code: undefined };
    } catch (e) {
      const err = e as S3ServiceException;
      return { status: err.$metadata.httpStatusCode ?? 0, text: err.message, code: err.name };
    }
  }
});

describe('bucket configuration documents', () => {
  it('PutBucketVersioning: an unknown Status or MfaDelete, or a DOCTYPE, is MalformedXML; versioning is unchanged', async () => {
    const b = 'xml-versioning';
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    const put = (body: string) => send('PUT', `/${b}`, [['versioning', '']], body);
    for (const body of [
      '<VersioningConfiguration><Status>enabled</Status></VersioningConfiguration>',
      '<VersioningConfiguration><Status>Enabled</Status><MfaDelete>banana</MfaDelete></VersioningConfiguration>',
      '<VersioningConfiguration/>',
      '<!DOCTYPE v [<!ENTITY s "Enabled">]><VersioningConfiguration><Status>&s;</Status></VersioningConfiguration>',
    ]) {
      await expectAnswer(put(body), 'MalformedXML', 400, body);
    }
    await expectAnswer(put('<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>'), 'InvalidArgument');
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status).toBeUndefined();
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: b }))).Versions ?? []).toEqual([]);
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled', MFADelete: 'Disabled' } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status).toBe('Enabled');
  });

  it('CreateBucket: a DOCTYPE is MalformedXML, a LocationConstraint that is no region InvalidLocationConstraint; no bucket is made', async () => {
    const create = (b: string, body: string | Buffer) => send('PUT', `/${b}`, [], body);
    await expectAnswer(
      create('xml-create-a', '<!DOCTYPE c><CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>'),
      'MalformedXML',
    );
    const text = await expectAnswer(
      create('xml-create-b', '<CreateBucketConfiguration><LocationConstraint>banana</LocationConstraint></CreateBucketConfiguration>'),
      'InvalidLocationConstraint',
    );
    expect(text).toContain('<LocationConstraint>banana</LocationConstraint>');
    await expectAnswer(
      create(
        'xml-create-c',
        withBytes('<CreateBucketConfiguration><LocationConstraint>us-east-', Buffer.from([0xff]), '1</LocationConstraint></CreateBucketConfiguration>'),
      ),
      'MalformedXML',
    );
    for (const b of ['xml-create-a', 'xml-create-b', 'xml-create-c']) {
      try {
        await s3.send(new HeadBucketCommand({ Bucket: b }));
        throw new Error(`${b} was created`);
      } catch (e) {
        expect((e as S3ServiceException).$metadata.httpStatusCode, b).toBe(404);
      }
    }
    const ok = await create('xml-create-d', '<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>');
    expect(ok.status, ok.text).toBe(200);
  });
});
