/**
 * Versioning through @aws-sdk/client-s3 (and raw signed requests where the
 * SDK hides what is on the wire: delete-marker headers on errors, the
 * interleaved order of <Version> and <DeleteMarker> in ListObjectVersions).
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VersionIds } from '../../src/store/objects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rawRequest } from '../helpers/signing.js';
import { md5, newBucket, pool, s3Error, text } from '../helpers/s3.js';

let ts: TestServer;
let s3: S3Client;

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
});
afterAll(async () => ts?.stop());

async function put(bucket: string, key: string, body: string): Promise<string> {
  const out = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return out.VersionId!;
}

// ---------------------------------------------------------------- raw ListObjectVersions

type Item =
  { kind: 'Version' | 'DeleteMarker'; key: string; versionId: string; isLatest: boolean; etag?: string; size?: number } | { kind: 'Prefix'; prefix: string };

interface VersionsPage {
  items: Item[];
  isTruncated: boolean;
  keyMarker?: string;
  versionIdMarker?: string;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
  maxKeys?: number;
  encodingType?: string;
  prefix?: string;
  delimiter?: string;
}

const unescapeXml = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp|#x([0-9a-fA-F]+)|#(\d+));/g, (_, e: string, hex?: string, dec?: string) => {
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    if (dec) return String.fromCodePoint(Number(dec));
    return ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' } as Record<string, string>)[e]!;
  });

function field(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  if (m) return unescapeXml(m[1]!);
  return new RegExp(`<${name}\\s*/>`).test(xml) ? '' : undefined;
}

/** Parses a ListVersionsResult keeping the document order of Version, DeleteMarker and CommonPrefixes. */
function parseVersions(xml: string, urlEncoded = false): VersionsPage {
  const dec = (s: string | undefined) => (s === undefined || !urlEncoded ? s : decodeURIComponent(s.replace(/\+/g, '%20')));
  const items: Item[] = [];
  const re = /<(Version|DeleteMarker|CommonPrefixes)>([\s\S]*?)<\/\1>/g;
  for (const m of xml.matchAll(re)) {
    const body = m[2]!;
    if (m[1] === 'CommonPrefixes') {
      items.push({ kind: 'Prefix', prefix: dec(field(body, 'Prefix'))! });
      continue;
    }
    const it: Item = {
      kind: m[1] as 'Version',
      key: dec(field(body, 'Key'))!,
      versionId: field(body, 'VersionId')!,
      isLatest: field(body, 'IsLatest') === 'true',
    };
    if (m[1] === 'Version') {
      it.etag = field(body, 'ETag');
      it.size = Number(field(body, 'Size'));
    }
    items.push(it);
  }
  const top = xml.replace(re, '');
  const mk = field(top, 'MaxKeys');
  return {
    items: keyOrder(items),
    isTruncated: field(top, 'IsTruncated') === 'true',
    keyMarker: dec(field(top, 'KeyMarker')),
    versionIdMarker: field(top, 'VersionIdMarker'),
    nextKeyMarker: dec(field(top, 'NextKeyMarker')),
    nextVersionIdMarker: field(top, 'NextVersionIdMarker'),
    maxKeys: mk === undefined ? undefined : Number(mk),
    encodingType: field(top, 'EncodingType'),
    prefix: dec(field(top, 'Prefix')),
    delimiter: dec(field(top, 'Delimiter')),
  };
}

/**
 * The page in listing order. The XML keeps Version and DeleteMarker
 * interleaved in that order but groups CommonPrefixes after them (as S3
 * does); a prefix sorts among the keys by its bytes (no key of the page
 * starts with it).
 */
function keyOrder(items: Item[]): Item[] {
  const entries = items.filter((i) => i.kind !== 'Prefix');
  const prefixes = items.filter((i) => i.kind === 'Prefix');
  expect(items.slice(0, entries.length), 'CommonPrefixes come after Version and DeleteMarker').toEqual(entries);
  const out: Item[] = [];
  let p = 0;
  for (const e of entries) {
    while (p < prefixes.length && Buffer.compare(Buffer.from(prefixes[p]!.prefix), Buffer.from(e.key)) < 0) out.push(prefixes[p++]!);
    out.push(e);
  }
  return [...out, ...prefixes.slice(p)];
}

async function listVersionsRaw(bucket: string, params: Record<string, string | number | undefined> = {}): Promise<VersionsPage> {
  const qs = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');
  const res = await rawRequest(ts.url, 'GET', `/${bucket}?versions${qs ? `&${qs}` : ''}`);
  expect(res.status, res.text).toBe(200);
  return parseVersions(res.text, params['encoding-type'] === 'url');
}

const short = (it: Item) =>
  it.kind === 'Prefix' ? `P ${it.prefix}` : `${it.kind === 'Version' ? 'V' : 'D'} ${it.key} ${it.versionId}${it.isLatest ? ' latest' : ''}`;

// ---------------------------------------------------------------- PutBucketVersioning / GetBucketVersioning

describe('PutBucketVersioning / GetBucketVersioning', () => {
  it('a new bucket has no Status; Enabled → Suspended → Enabled; never back to unversioned', async () => {
    const b = await newBucket(s3, { prefix: 'ver' });
    const none = await s3.send(new GetBucketVersioningCommand({ Bucket: b }));
    expect(none.Status).toBeUndefined();
    const rawNone = await rawRequest(ts.url, 'GET', `/${b}?versioning`);
    expect(rawNone.status).toBe(200);
    expect(rawNone.text).toContain('<VersioningConfiguration');
    expect(rawNone.text).not.toContain('<Status>');

    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status).toBe('Enabled');
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Suspended' } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status).toBe('Suspended');
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status).toBe('Enabled');

    // There is no status meaning "unversioned": anything else is MalformedXML and the state stays.
    for (const status of ['Disabled', 'Off', '']) {
      const e = await s3Error(s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: status as never } })));
      expect(e.name, status).toBe('MalformedXML');
      expect(e.$metadata.httpStatusCode).toBe(400);
    }
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status).toBe('Enabled');
  });

  it('MalformedXML for a body that is not XML, has the wrong root or no Status', async () => {
    const b = await newBucket(s3, { prefix: 'ver' });
    for (const body of [
      'this is not xml',
      '<VersioningConfiguration><Status>Enabled</Status>',
      '<Versioning><Status>Enabled</Status></Versioning>',
      '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></VersioningConfiguration>',
      '',
    ]) {
      const res = await rawRequest(ts.url, 'PUT', `/${b}?versioning`, { body });
      expect(res.status, body).toBe(400);
      expect(res.text, body).toContain('<Code>MalformedXML</Code>');
    }
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status).toBeUndefined();
    // A namespaced, well-formed body is accepted.
    const ok = await rawRequest(ts.url, 'PUT', `/${b}?versioning`, {
      body: '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Suspended</Status></VersioningConfiguration>',
    });
    expect(ok.status, ok.text).toBe(200);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status).toBe('Suspended');
  });

  it('NoSuchBucket for a missing bucket', async () => {
    const e = await s3Error(s3.send(new GetBucketVersioningCommand({ Bucket: 'no-such-ver-bucket' })));
    expect(e.name).toBe('NoSuchBucket');
    const e2 = await s3Error(s3.send(new PutBucketVersioningCommand({ Bucket: 'no-such-ver-bucket', VersioningConfiguration: { Status: 'Enabled' } })));
    expect(e2.name).toBe('NoSuchBucket');
  });
});

// ---------------------------------------------------------------- Enabled

describe('versioning Enabled', () => {
  it('every PutObject is a new version with a unique, time-ordered id; GET/HEAD by versionId address one version', async () => {
    const b = await newBucket(s3, { prefix: 'ver', versioning: 'Enabled' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await put(b, 'doc', `body ${i}`));
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) expect(id).toMatch(/^[0-9A-Za-z._-]+$/);
    expect([...ids].sort()).toEqual(ids);
    expect(ids).not.toContain('null');

    const latest = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'doc' }));
    expect(await text(latest)).toBe('body 4');
    expect(latest.VersionId).toBe(ids[4]);
    for (const [i, id] of ids.entries()) {
      const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'doc', VersionId: id }));
      expect(await text(g)).toBe(`body ${i}`);
      expect(g.VersionId).toBe(id);
      expect(g.ETag).toBe(`"${md5(`body ${i}`)}"`);
      const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'doc', VersionId: id }));
      expect(h.VersionId).toBe(id);
      expect(h.ContentLength).toBe(`body ${i}`.length);
    }
    const v = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    expect(v.Versions?.map((x) => [x.VersionId, x.IsLatest])).toEqual([...ids].reverse().map((id, i) => [id, i === 0]));
    expect(v.DeleteMarkers ?? []).toEqual([]);
  });

  it("version ids keep growing when the clock steps back (and across restarts, from the key's newest id)", async () => {
    const b = await newBucket(s3, { prefix: 'ver', versioning: 'Enabled' });
    const v1 = await put(b, 'k', 'one');
    const saved = ts.now.offsetMs;
    try {
      // Within the skew window the server accepts our (real-time) signatures.
      ts.now.offsetMs = saved - 10 * 60_000;
      const v2 = await put(b, 'k', 'two');
      expect(v2 > v1).toBe(true);
      const cur = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
      expect(cur.VersionId).toBe(v2);
      await text(cur);
    } finally {
      ts.now.offsetMs = saved;
    }
    // A restarted process has forgotten its last id: the key's newest id is the floor.
    // (A floor just ahead of every id this process issued, so the floor decides.)
    const t = (Date.now() + 50).toString(36).padStart(10, '0');
    const floor = `${t}0005abcdefgh`;
    const next = new VersionIds().next(Date.now(), floor);
    expect(next > floor).toBe(true);
    expect(next.slice(0, 14)).toBe(`${t}0006`);
    expect(next).toMatch(/^[0-9a-z]{22}$/);
  });

  it('NoSuchVersion for an unknown version id, InvalidArgument for a malformed one', async () => {
    const b = await newBucket(s3, { prefix: 'ver', versioning: 'Enabled' });
    const id = await put(b, 'k', 'v');
    const other = id.slice(0, -1) + (id.endsWith('0') ? '1' : '0');
    const e = await s3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: other })));
    expect(e.name).toBe('NoSuchVersion');
    expect(e.$metadata.httpStatusCode).toBe(404);
    const h = await s3Error(s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k', VersionId: other })));
    expect(h.$metadata.httpStatusCode).toBe(404);
    // A version of another key is not this key's.
    await put(b, 'k2', 'v2');
    const cross = await s3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k2', VersionId: id })));
    expect(cross.name).toBe('NoSuchVersion');
    const bad = await s3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: 'not a version!' })));
    expect(bad.name).toBe('InvalidArgument');
    expect(bad.$metadata.httpStatusCode).toBe(400);
  });

  it('DeleteObject adds a delete marker; GET/HEAD are 404 NoSuchKey with x-amz-delete-marker; GET of the marker by id is 405', async () => {
    const b = await newBucket(s3, { prefix: 'ver', versioning: 'Enabled' });
    const v1 = await put(b, 'gone', 'one');
    const v2 = await put(b, 'gone', 'two');
    const del = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'gone' }));
    expect(del.DeleteMarker).toBe(true);
    const marker = del.VersionId!;
    expect(marker).toBeTruthy();
    expect([v1, v2, marker].sort()).toEqual([v1, v2, marker]);

    const g = await s3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'gone' })));
    expect(g.name).toBe('NoSuchKey');
    expect(g.$metadata.httpStatusCode).toBe(404);
    const h = await s3Error(s3.send(new HeadObjectCommand({ Bucket: b, Key: 'gone' })));
    expect(h.$metadata.httpStatusCode).toBe(404);
    for (const method of ['GET', 'HEAD']) {
      const r = await rawRequest(ts.url, method, `/${b}/gone`);
      expect(r.status, method).toBe(404);
      expect(r.headers['x-amz-delete-marker'], method).toBe('true');
      expect(r.headers['x-amz-version-id'], method).toBe(marker);
      if (method === 'GET') expect(r.text).toContain('<Code>NoSuchKey</Code>');
    }
    // The marker by version id: 405 MethodNotAllowed, still flagged as a delete marker.
    const gm = await s3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'gone', VersionId: marker })));
    expect(gm.name).toBe('MethodNotAllowed');
    expect(gm.$metadata.httpStatusCode).toBe(405);
    for (const method of ['GET', 'HEAD']) {
      const r = await rawRequest(ts.url, method, `/${b}/gone?versionId=${marker}`);
      expect(r.status, method).toBe(405);
      expect(r.headers['x-amz-delete-marker'], method).toBe('true');
      expect(r.headers['x-amz-version-id'], method).toBe(marker);
    }
    // Older versions stay readable by id.
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'gone', VersionId: v1 })))).toBe('one');

    // Listings of current objects do not show it; ListObjectVersions shows marker and versions.
    expect((await s3.send(new ListObjectsV2Command({ Bucket: b }))).Contents ?? []).toEqual([]);
    const raw = await listVersionsRaw(b);
    expect(raw.items.map(short)).toEqual([`D gone ${marker} latest`, `V gone ${v2}`, `V gone ${v1}`]);

    // A second DeleteObject stacks another marker.
    const del2 = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'gone' }));
    expect(del2.DeleteMarker).toBe(true);
    expect(del2.VersionId! > marker).toBe(true);
    expect((await listVersionsRaw(b)).items.map(short)).toEqual([`D gone ${del2.VersionId} latest`, `D gone ${marker}`, `V gone ${v2}`, `V gone ${v1}`]);
  });

  it('deleting a marker or a version by id removes it for good and the previous version becomes current', async () => {
    const b = await newBucket(s3, { prefix: 'ver', versioning: 'Enabled' });
    const v1 = await put(b, 'k', 'one');
    const v2 = await put(b, 'k', 'two');
    const marker = (await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }))).VersionId!;

    const dm = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: marker }));
    expect(dm.DeleteMarker).toBe(true);
    expect(dm.VersionId).toBe(marker);
    const cur = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
    expect(await text(cur)).toBe('two');
    expect(cur.VersionId).toBe(v2);
    const gm = await s3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: marker })));
    expect(gm.name).toBe('NoSuchVersion');

    const dv = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v2 }));
    expect(dv.VersionId).toBe(v2);
    expect(dv.DeleteMarker).toBeUndefined();
    const cur2 = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
    expect(await text(cur2)).toBe('one');
    expect(cur2.VersionId).toBe(v1);
    expect((await s3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: v2 })))).name).toBe('NoSuchVersion');
    expect((await listVersionsRaw(b)).items.map(short)).toEqual([`V k ${v1} latest`]);

    // A version id that does not exist: 204 with that id, as S3 answers (deletes are idempotent).
    const missing = v1.slice(0, -1) + (v1.endsWith('0') ? '1' : '0');
    const dmiss = await rawRequest(ts.url, 'DELETE', `/${b}/k?versionId=${missing}`);
    expect(dmiss.status).toBe(204);
    expect(dmiss.headers['x-amz-version-id']).toBe(missing);
    expect(dmiss.headers['x-amz-delete-marker']).toBeUndefined();
    expect((await listVersionsRaw(b)).items.map(short)).toEqual([`V k ${v1} latest`]);
    const dbad = await rawRequest(ts.url, 'DELETE', `/${b}/k?versionId=not%20an%20id`);
    expect(dbad.status).toBe(400);
    expect(dbad.text).toContain('<Code>InvalidArgument</Code>');

    // Deleting an older (non-current) version leaves the current one alone.
    const v3 = await put(b, 'k', 'three');
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v1 }));
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' })))).toBe('three');
    expect((await listVersionsRaw(b)).items.map(short)).toEqual([`V k ${v3} latest`]);

    // The last version gone: the key is gone, no marker is left behind.
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v3 }));
    expect((await listVersionsRaw(b)).items).toEqual([]);
    const g = await rawRequest(ts.url, 'GET', `/${b}/k`);
    expect(g.status).toBe(404);
    expect(g.headers['x-amz-delete-marker']).toBeUndefined();
    // New versions after that get ids later than every earlier one.
    const v4 = await put(b, 'k', 'four');
    expect(v4 > v3).toBe(true);
  });

  it('CopyObject creates a version; a source versionId copies that version; errors for markers and unknown versions', async () => {
    const b = await newBucket(s3, { prefix: 'ver', versioning: 'Enabled' });
    const s1 = await put(b, 'src', 'source one');
    const s2 = await put(b, 'src', 'source two');
    const c1 = await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/src?versionId=${s1}` }));
    expect(c1.CopySourceVersionId).toBe(s1);
    expect(c1.VersionId).toBeTruthy();
    expect(c1.CopyObjectResult?.ETag).toBe(`"${md5('source one')}"`);
    const c2 = await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/src` }));
    expect(c2.CopySourceVersionId).toBe(s2);
    expect(c2.VersionId! > c1.VersionId!).toBe(true);
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'dst' })))).toBe('source two');
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'dst', VersionId: c1.VersionId })))).toBe('source one');
    // Copying a key onto itself (REPLACE) from an old version restores it as a new version.
    const restore = await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'src', CopySource: `${b}/src?versionId=${s1}`, MetadataDirective: 'REPLACE' }));
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'src' })))).toBe('source one');
    expect((await listVersionsRaw(b, { prefix: 'src' })).items.map(short)).toEqual([`V src ${restore.VersionId} latest`, `V src ${s2}`, `V src ${s1}`]);
    // Without REPLACE too, as AWS documents restoring a version (copy it onto its own key); the metadata is the version's.
    const again = await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'src', CopySource: `${b}/src?versionId=${s2}` }));
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'src' })))).toBe('source two');
    expect(again.VersionId).not.toBe(s2);
    const sameNoVersion = await s3Error(s3.send(new CopyObjectCommand({ Bucket: b, Key: 'src', CopySource: `${b}/src` })));
    expect(sameNoVersion.name).toBe('InvalidRequest');
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'src', VersionId: again.VersionId }));

    const marker = (await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'src' }))).VersionId!;
    const byMarker = await s3Error(s3.send(new CopyObjectCommand({ Bucket: b, Key: 'x', CopySource: `${b}/src?versionId=${marker}` })));
    expect(byMarker.name).toBe('InvalidRequest');
    expect(byMarker.$metadata.httpStatusCode).toBe(400);
    const latestMarker = await s3Error(s3.send(new CopyObjectCommand({ Bucket: b, Key: 'x', CopySource: `${b}/src` })));
    expect(latestMarker.name).toBe('NoSuchKey');
    const unknown = await s3Error(
      s3.send(new CopyObjectCommand({ Bucket: b, Key: 'x', CopySource: `${b}/src?versionId=${s1.slice(0, -1)}${s1.endsWith('0') ? '1' : '0'}` })),
    );
    expect(unknown.name).toBe('NoSuchVersion');
    expect(unknown.$metadata.httpStatusCode).toBe(404);
    // The old versions are still a valid source behind the marker.
    await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'x', CopySource: `${b}/src?versionId=${s2}` }));
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'x' })))).toBe('source two');
  });

  it('ListObjects and ListObjectsV2 show only current versions; a prefix whose keys are all delete-marked leaves CommonPrefixes', async () => {
    const b = await newBucket(s3, { prefix: 'ver', versioning: 'Enabled' });
    await put(b, 'dir/a', 'a1');
    await put(b, 'dir/a', 'a2');
    await put(b, 'dir/b', 'b1');
    await put(b, 'gone/x', 'x');
    await put(b, 'gone/y', 'y');
    await put(b, 'top', 't1');
    const top2 = await put(b, 'top', 't2');
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'gone/x' }));
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'gone/y' }));
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'dir/b' }));

    const v2 = await s3.send(new ListObjectsV2Command({ Bucket: b }));
    expect(v2.Contents?.map((c) => [c.Key, c.ETag])).toEqual([
      ['dir/a', `"${md5('a2')}"`],
      ['top', `"${md5('t2')}"`],
    ]);
    const v2d = await s3.send(new ListObjectsV2Command({ Bucket: b, Delimiter: '/' }));
    expect(v2d.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['dir/']);
    expect(v2d.Contents?.map((c) => c.Key)).toEqual(['top']);
    expect(v2d.KeyCount).toBe(2);
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: b, Delimiter: '/' }));
    expect(v1.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['dir/']);
    expect(v1.Contents?.map((c) => c.Key)).toEqual(['top']);
    const paged = await s3.send(new ListObjectsV2Command({ Bucket: b, MaxKeys: 1 }));
    expect(paged.Contents?.map((c) => c.Key)).toEqual(['dir/a']);
    const rest = await s3.send(new ListObjectsV2Command({ Bucket: b, MaxKeys: 1, ContinuationToken: paged.NextContinuationToken }));
    expect(rest.Contents?.map((c) => c.Key)).toEqual(['top']);
    expect(rest.IsTruncated).toBe(false);

    // ListObjectVersions still has gone/ as a common prefix.
    const lv = await s3.send(new ListObjectVersionsCommand({ Bucket: b, Delimiter: '/' }));
    expect(lv.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['dir/', 'gone/']);
    expect(lv.Versions?.map((x) => [x.Key, x.IsLatest])).toEqual([
      ['top', true],
      ['top', false],
    ]);
    expect(lv.Versions?.[0]?.VersionId).toBe(top2);
  });

  it('a multipart upload creates a version; the older one stays', async () => {
    const b = await newBucket(s3, { prefix: 'ver', versioning: 'Enabled' });
    const before = await put(b, 'big', 'small first');
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'big' }));
    const p1 = Buffer.alloc(5 * 1024 * 1024, 'a');
    const p2 = Buffer.from('tail');
    const e1 = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'big', UploadId: up.UploadId, PartNumber: 1, Body: p1 }));
    const e2 = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'big', UploadId: up.UploadId, PartNumber: 2, Body: p2 }));
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: b,
        Key: 'big',
        UploadId: up.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: e1.ETag, ChecksumCRC32: e1.ChecksumCRC32 },
            { PartNumber: 2, ETag: e2.ETag, ChecksumCRC32: e2.ChecksumCRC32 },
          ],
        },
      }),
    );
    expect(done.VersionId).toBeTruthy();
    expect(done.VersionId! > before).toBe(true);
    expect(done.ETag).toMatch(/-2"$/);
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'big' }));
    expect(head.VersionId).toBe(done.VersionId);
    expect(head.ContentLength).toBe(p1.length + p2.length);
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'big', VersionId: before })))).toBe('small first');
    const lv = await listVersionsRaw(b);
    expect(lv.items.map(short)).toEqual([`V big ${done.VersionId} latest`, `V big ${before}`]);
    expect(lv.items[0]).toMatchObject({ etag: done.ETag, size: p1.length + p2.length });
    // Deleting the multipart version by id brings the small one back.
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'big', VersionId: done.VersionId }));
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'big' })))).toBe('small first');

    // UploadPartCopy reads the source version it names.
    const later = await put(b, 'big', 'small second');
    const up2 = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'assembled' }));
    const pc = await s3.send(
      new UploadPartCopyCommand({ Bucket: b, Key: 'assembled', UploadId: up2.UploadId, PartNumber: 1, CopySource: `${b}/big?versionId=${before}` }),
    );
    const done2 = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: b,
        Key: 'assembled',
        UploadId: up2.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: pc.CopyPartResult?.ETag }] },
      }),
    );
    expect(pc.CopySourceVersionId).toBe(before);
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'assembled', VersionId: done2.VersionId })))).toBe('small first');
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'big' })))).toBe('small second');
    expect(later > before).toBe(true);
  });

  it('concurrent PUTs to one key: ListObjectVersions order is version-id order and the latest is what GET returns', async () => {
    const b = await newBucket(s3, { prefix: 'ver', versioning: 'Enabled' });
    const byId = new Map<string, string>();
    // Bodies of very different sizes, so requests overtake each other between reading the
    // clock and committing.
    for (let round = 0; round < 4; round++) {
      const bodies = Array.from({ length: 64 }, (_, i) => `round ${round} writer ${i} ${'x'.repeat((i * 7919) % 200_000)}`);
      const ids = await Promise.all(bodies.map((body) => put(b, 'hot', body)));
      ids.forEach((id, i) => byId.set(id, bodies[i]!));
      expect(new Set(ids).size).toBe(ids.length);

      const listed = (await listVersionsRaw(b)).items;
      const listedIds = listed.map((x) => (x.kind === 'Prefix' ? '' : x.versionId));
      expect(listedIds.length).toBe(byId.size);
      expect(new Set(listedIds)).toEqual(new Set(byId.keys()));
      // Newest first in the listing = descending version ids.
      expect(listedIds).toEqual([...listedIds].sort().reverse());
      const latest = listed.filter((x) => x.kind !== 'Prefix' && x.isLatest);
      expect(latest.length).toBe(1);
      expect(latest[0]).toBe(listed[0]);
      const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'hot' }));
      expect(got.VersionId).toBe(listedIds[0]);
      expect(await text(got)).toBe(byId.get(listedIds[0]!));
    }
  });
});

// ---------------------------------------------------------------- Suspended and unversioned

describe('versioning Suspended and never enabled', () => {
  it('Suspended: writes replace the null version, older versions stay, versionId=null addresses it', async () => {
    const b = await newBucket(s3, { prefix: 'ver', versioning: 'Enabled' });
    const a1 = await put(b, 'k', 'A1');
    const a2 = await put(b, 'k', 'A2');
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Suspended' } }));
    const n1 = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'A3' }));
    expect(n1.VersionId).toBe('null');
    expect((await listVersionsRaw(b)).items.map(short)).toEqual(['V k null latest', `V k ${a2}`, `V k ${a1}`]);
    const n2 = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'A4' }));
    expect(n2.VersionId).toBe('null');
    expect((await listVersionsRaw(b)).items.map(short)).toEqual(['V k null latest', `V k ${a2}`, `V k ${a1}`]);
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: 'null' }));
    expect(await text(g)).toBe('A4');
    expect(g.VersionId).toBe('null');
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: a1 })))).toBe('A1');

    // CopyObject in a suspended bucket also writes the null version.
    const c = await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'k', CopySource: `${b}/k?versionId=${a1}`, MetadataDirective: 'REPLACE' }));
    expect(c.VersionId).toBe('null');
    expect(c.CopySourceVersionId).toBe(a1);
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: 'null' })))).toBe('A1');
    expect((await listVersionsRaw(b)).items.map(short)).toEqual(['V k null latest', `V k ${a2}`, `V k ${a1}`]);

    // Re-enabled: new versions get ids; the null version stays where it is.
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
    const a5 = await put(b, 'k', 'A5');
    expect(a5).not.toBe('null');
    expect(a5 > a2).toBe(true);
    expect((await listVersionsRaw(b)).items.map(short)).toEqual([`V k ${a5} latest`, 'V k null', `V k ${a2}`, `V k ${a1}`]);
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: 'null' })))).toBe('A1');

    // Suspended again: DeleteObject replaces the null version with a null delete marker.
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Suspended' } }));
    const d = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
    expect(d.DeleteMarker).toBe(true);
    expect(d.VersionId).toBe('null');
    expect((await listVersionsRaw(b)).items.map(short)).toEqual(['D k null latest', `V k ${a5}`, `V k ${a2}`, `V k ${a1}`]);
    const gone = await rawRequest(ts.url, 'GET', `/${b}/k`);
    expect(gone.status).toBe(404);
    expect(gone.headers['x-amz-delete-marker']).toBe('true');
    expect(gone.headers['x-amz-version-id']).toBe('null');
    // Removing the null marker by id brings back the newest version.
    const dn = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: 'null' }));
    expect(dn.DeleteMarker).toBe(true);
    expect(dn.VersionId).toBe('null');
    const back = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
    expect(await text(back)).toBe('A5');
    expect(back.VersionId).toBe(a5);

    // A multipart upload completed while suspended is the null version too.
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'k' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'k', UploadId: up.UploadId, PartNumber: 1, Body: 'mpu' }));
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: b,
        Key: 'k',
        UploadId: up.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 }] },
      }),
    );
    expect(done.VersionId).toBe('null');
    expect((await listVersionsRaw(b)).items.map(short)).toEqual(['V k null latest', `V k ${a5}`, `V k ${a2}`, `V k ${a1}`]);
  });

  it('never enabled: no x-amz-version-id on writes, versionId=null works, DeleteObject removes the object', async () => {
    const b = await newBucket(s3, { prefix: 'ver' });
    const p = await rawRequest(ts.url, 'PUT', `/${b}/k`, { body: 'plain' });
    expect(p.status).toBe(200);
    expect(p.headers['x-amz-version-id']).toBeUndefined();
    const g = await rawRequest(ts.url, 'GET', `/${b}/k`);
    expect(g.headers['x-amz-version-id']).toBeUndefined();
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: 'null' })))).toBe('plain');
    expect((await listVersionsRaw(b)).items.map(short)).toEqual(['V k null latest']);
    const d = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
    expect(d.DeleteMarker).toBeUndefined();
    expect((await listVersionsRaw(b)).items).toEqual([]);
    // The unversioned object becomes the null version once versioning is on.
    await put(b, 'k', 'before');
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
    const v = await put(b, 'k', 'after');
    expect((await listVersionsRaw(b)).items.map(short)).toEqual([`V k ${v} latest`, 'V k null']);
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: 'null' })))).toBe('before');
  });
});

// ---------------------------------------------------------------- DeleteObjects, DeleteBucket

describe('DeleteObjects and DeleteBucket with versions', () => {
  it('DeleteObjects with version ids reports DeleteMarker and DeleteMarkerVersionId per key', async () => {
    const b = await newBucket(s3, { prefix: 'ver', versioning: 'Enabled' });
    const x1 = await put(b, 'x', 'x1');
    const x2 = await put(b, 'x', 'x2');
    const y1 = await put(b, 'y', 'y1');
    const yMarker = (await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'y' }))).VersionId!;
    const z1 = await put(b, 'z', 'z1');
    const missing = x1.slice(0, -1) + (x1.endsWith('0') ? '1' : '0');
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: b,
        Delete: {
          Objects: [
            { Key: 'x', VersionId: x1 },
            { Key: 'y', VersionId: yMarker },
            { Key: 'z' },
            { Key: 'x', VersionId: missing },
            { Key: 'x', VersionId: 'bad id!' },
          ],
        },
      }),
    );
    const deleted = new Map(out.Deleted?.map((d) => [`${d.Key}@${d.VersionId ?? ''}`, d]));
    expect(deleted.get(`x@${x1}`)).toEqual({ Key: 'x', VersionId: x1 });
    expect(deleted.get(`y@${yMarker}`)).toEqual({ Key: 'y', VersionId: yMarker, DeleteMarker: true, DeleteMarkerVersionId: yMarker });
    const z = deleted.get('z@')!;
    expect(z.DeleteMarker).toBe(true);
    expect(z.DeleteMarkerVersionId).toBeTruthy();
    // A version that does not exist is a success (as S3 answers); a malformed id is an error.
    expect(deleted.get(`x@${missing}`)).toEqual({ Key: 'x', VersionId: missing });
    expect(out.Errors?.map((e) => [e.Key, e.VersionId, e.Code])).toEqual([['x', 'bad id!', 'NoSuchVersion']]);

    expect((await listVersionsRaw(b)).items.map(short)).toEqual([`V x ${x2} latest`, `V y ${y1} latest`, `D z ${z.DeleteMarkerVersionId} latest`, `V z ${z1}`]);
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'y' })))).toBe('y1');
    expect((await s3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'z' })))).name).toBe('NoSuchKey');

    // Quiet mode reports nothing for successes.
    const quiet = await s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Quiet: true, Objects: [{ Key: 'x', VersionId: x2 }] } }));
    expect(quiet.Deleted ?? []).toEqual([]);
    expect(quiet.Errors ?? []).toEqual([]);
  });

  it('a bucket with versions or delete markers left is BucketNotEmpty until every version is deleted', async () => {
    const b = await newBucket(s3, { prefix: 'ver', versioning: 'Enabled' });
    const v = await put(b, 'k', 'v');
    const m = (await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }))).VersionId!;
    expect((await s3.send(new ListObjectsV2Command({ Bucket: b }))).KeyCount).toBe(0);
    const e = await s3Error(s3.send(new DeleteBucketCommand({ Bucket: b })));
    expect(e.name).toBe('BucketNotEmpty');
    expect(e.$metadata.httpStatusCode).toBe(409);
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v }));
    // Only the marker is left: still not empty.
    expect((await s3Error(s3.send(new DeleteBucketCommand({ Bucket: b })))).name).toBe('BucketNotEmpty');
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: m }));
    await s3.send(new DeleteBucketCommand({ Bucket: b }));
    expect((await s3Error(s3.send(new GetBucketVersioningCommand({ Bucket: b })))).name).toBe('NoSuchBucket');
  });
});

// ---------------------------------------------------------------- ListObjectVersions

describe('ListObjectVersions', () => {
  it('interleaves Version and DeleteMarker in key order, newest first; IsLatest; Owner on both', async () => {
    const b = await newBucket(s3, { prefix: 'ver', versioning: 'Enabled' });
    const a1 = await put(b, 'a', 'a1');
    const am = (await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'a' }))).VersionId!;
    const a2 = await put(b, 'a', 'a2');
    const b1 = await put(b, 'b', 'b1');
    const bm = (await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'b' }))).VersionId!;
    const page = await listVersionsRaw(b);
    expect(page.items.map(short)).toEqual([`V a ${a2} latest`, `D a ${am}`, `V a ${a1}`, `D b ${bm} latest`, `V b ${b1}`]);
    expect(page.isTruncated).toBe(false);
    expect(page.items[0]).toMatchObject({ etag: `"${md5('a2')}"`, size: 2 });
    const sdk = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    expect(sdk.Name).toBe(b);
    expect(sdk.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest, v.Size, v.ETag])).toEqual([
      ['a', a2, true, 2, `"${md5('a2')}"`],
      ['a', a1, false, 2, `"${md5('a1')}"`],
      ['b', b1, false, 2, `"${md5('b1')}"`],
    ]);
    expect(sdk.DeleteMarkers?.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([
      ['a', am, false],
      ['b', bm, true],
    ]);
    for (const v of [...(sdk.Versions ?? []), ...(sdk.DeleteMarkers ?? [])]) {
      expect(v.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
      expect(v.LastModified).toBeInstanceOf(Date);
    }
    expect(sdk.Versions?.[0]?.StorageClass).toBe('STANDARD');
  });

  it('key-marker and version-id-marker resume strictly after that version; errors for bad markers and parameters', async () => {
    const b = await newBucket(s3, { prefix: 'ver', versioning: 'Enabled' });
    const k1 = [await put(b, 'k1', '1'), await put(b, 'k1', '2'), await put(b, 'k1', '3')];
    const k2 = [await put(b, 'k2', '1')];
    // key-marker alone: after every version of that key.
    expect((await listVersionsRaw(b, { 'key-marker': 'k1' })).items.map(short)).toEqual([`V k2 ${k2[0]} latest`]);
    // A key-marker between keys.
    expect((await listVersionsRaw(b, { 'key-marker': 'k0' })).items.length).toBe(4);
    // key-marker + version-id-marker: the older versions of that key, then later keys.
    const after = await listVersionsRaw(b, { 'key-marker': 'k1', 'version-id-marker': k1[2] });
    expect(after.items.map(short)).toEqual([`V k1 ${k1[1]}`, `V k1 ${k1[0]}`, `V k2 ${k2[0]} latest`]);
    expect(after.keyMarker).toBe('k1');
    expect(after.versionIdMarker).toBe(k1[2]);
    expect((await listVersionsRaw(b, { 'key-marker': 'k1', 'version-id-marker': k1[0] })).items.map(short)).toEqual([`V k2 ${k2[0]} latest`]);
    // max-keys: a page, then the next from NextKeyMarker/NextVersionIdMarker.
    const p1 = await listVersionsRaw(b, { 'max-keys': 2 });
    expect(p1.items.map(short)).toEqual([`V k1 ${k1[2]} latest`, `V k1 ${k1[1]}`]);
    expect(p1).toMatchObject({ isTruncated: true, nextKeyMarker: 'k1', nextVersionIdMarker: k1[1], maxKeys: 2 });
    const p2 = await listVersionsRaw(b, { 'max-keys': 2, 'key-marker': p1.nextKeyMarker, 'version-id-marker': p1.nextVersionIdMarker });
    expect(p2.items.map(short)).toEqual([`V k1 ${k1[0]}`, `V k2 ${k2[0]} latest`]);
    expect(p2.isTruncated).toBe(false);
    expect(p2.nextKeyMarker).toBeUndefined();
    // max-keys above 1000 is capped.
    expect((await listVersionsRaw(b, { 'max-keys': 5000 })).maxKeys).toBe(1000);

    const errs: Array<[Record<string, string>, string]> = [
      [{ 'version-id-marker': k1[0]! }, 'InvalidArgument'],
      [{ 'max-keys': 'ten' }, 'InvalidArgument'],
      [{ 'max-keys': '-1' }, 'InvalidArgument'],
      [{ 'encoding-type': 'base64' }, 'InvalidArgument'],
    ];
    for (const [params, code] of errs) {
      const qs = Object.entries(params)
        .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
        .join('&');
      const r = await rawRequest(ts.url, 'GET', `/${b}?versions&${qs}`);
      expect(r.status, qs).toBe(400);
      expect(r.text, qs).toContain(`<Code>${code}</Code>`);
    }
    const nb = await s3Error(s3.send(new ListObjectVersionsCommand({ Bucket: 'no-such-ver-bucket' })));
    expect(nb.name).toBe('NoSuchBucket');
  });

  it('a version-id-marker deleted since its page was read still resumes in place', async () => {
    const b = await newBucket(s3, { prefix: 'ver', versioning: 'Enabled' });
    const v = [await put(b, 'k', '1'), await put(b, 'k', '2'), await put(b, 'k', '3'), await put(b, 'k', '4')];
    const p1 = await listVersionsRaw(b, { 'max-keys': 2 });
    expect(p1.items.map(short)).toEqual([`V k ${v[3]} latest`, `V k ${v[2]}`]);
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v[2] }));
    const p2 = await listVersionsRaw(b, { 'max-keys': 2, 'key-marker': p1.nextKeyMarker, 'version-id-marker': p1.nextVersionIdMarker });
    expect(p2.items.map(short)).toEqual([`V k ${v[1]}`, `V k ${v[0]}`]);
  });

  it('a walk that deletes each page before reading the next (boto3 object_versions.delete()) sees every version once and empties the bucket', async () => {
    const b = await newBucket(s3, { prefix: 'ver', versioning: 'Enabled' });
    const written: string[] = [];
    const w = async (key: string, body: string) => written.push(`${key} ${await put(b, key, body)}`);
    for (let i = 0; i < 4; i++) await w('a', `a${i}`);
    // A null version in the middle of n's versions.
    await w('n', 'n0');
    await w('n', 'n1');
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Suspended' } }));
    await w('n', 'n-null');
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
    await w('n', 'n2');
    await w('n', 'n3');
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'z' }));
    written.push(`z ${marker.VersionId}`);
    for (let i = 0; i < 3; i++) await w('z', `z${i}`);

    for (const maxKeys of [1, 2, 3, 5]) {
      const seen: string[] = [];
      // Fresh copies of everything for each walk: the walk deletes what it sees.
      if (maxKeys !== 1) {
        written.length = 0;
        for (const [key, n] of [
          ['a', 4],
          ['n', 5],
          ['z', 3],
        ] as const)
          for (let i = 0; i < n; i++) await w(key, `${key}${i}`);
      }
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      for (let guard = 0; guard < 100; guard++) {
        const out = await s3.send(new ListObjectVersionsCommand({ Bucket: b, MaxKeys: maxKeys, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
        const page = [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])].map((x) => ({ Key: x.Key!, VersionId: x.VersionId! }));
        seen.push(...page.map((x) => `${x.Key} ${x.VersionId}`));
        if (page.length) {
          const del = await s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: page } }));
          expect(del.Errors ?? []).toEqual([]);
        }
        if (!out.IsTruncated) break;
        keyMarker = out.NextKeyMarker;
        versionIdMarker = out.NextVersionIdMarker;
      }
      expect(seen.length, `max-keys ${maxKeys}`).toBe(new Set(seen).size);
      expect(new Set(seen), `max-keys ${maxKeys}`).toEqual(new Set(written));
      expect((await listVersionsRaw(b)).items, `max-keys ${maxKeys}`).toEqual([]);
    }
    await s3.send(new DeleteBucketCommand({ Bucket: b }));
  });

  it('prefix, delimiter and encoding-type=url', async () => {
    const b = await newBucket(s3, { prefix: 'ver', versioning: 'Enabled' });
    const odd = 'dir/sp ace+plus ü&<>.txt';
    const o1 = await put(b, odd, 'odd');
    const s1 = await put(b, 'dir/sub/deep', 'deep');
    const t1 = await put(b, 'top', 'top');
    const page = await listVersionsRaw(b, { prefix: 'dir/', delimiter: '/', 'encoding-type': 'url' });
    expect(page.items.map(short)).toEqual([`V ${odd} ${o1} latest`, 'P dir/sub/']);
    expect(page).toMatchObject({ prefix: 'dir/', delimiter: '/', encodingType: 'url' });
    // On the wire the key is percent-encoded (space as +).
    const wire = await rawRequest(ts.url, 'GET', `/${b}?versions&prefix=dir%2F&encoding-type=url`);
    expect(wire.text).toContain('<Key>dir/sp+ace%2Bplus+%C3%BC%26%3C%3E.txt</Key>');
    const plain = await rawRequest(ts.url, 'GET', `/${b}?versions&prefix=dir%2F`);
    expect(plain.text).toContain('<Key>dir/sp ace+plus ü&amp;&lt;&gt;.txt</Key>');
    // The SDK sees the same.
    const sdk = await s3.send(new ListObjectVersionsCommand({ Bucket: b, Delimiter: '/' }));
    expect(sdk.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['dir/']);
    expect(sdk.Versions?.map((v) => [v.Key, v.VersionId])).toEqual([['top', t1]]);
    const sub = await s3.send(new ListObjectVersionsCommand({ Bucket: b, Prefix: 'dir/sub/' }));
    expect(sub.Versions?.map((v) => [v.Key, v.VersionId])).toEqual([['dir/sub/deep', s1]]);
    expect(sub.Prefix).toBe('dir/sub/');
    // A key-marker that is a common prefix skips the whole group.
    expect((await listVersionsRaw(b, { delimiter: '/', 'key-marker': 'dir/' })).items.map(short)).toEqual([`V top ${t1} latest`]);
  });

  describe('paging over 3,000 versions of 40 keys', () => {
    interface V {
      versionId: string;
      deleteMarker: boolean;
      etag?: string;
    }
    const model = new Map<string, V[]>(); // oldest first
    let b = '';
    const TOTAL = 3000;

    const keys: string[] = [
      ...Array.from({ length: 10 }, (_, i) => `k${String(i).padStart(2, '0')}`),
      'top ü+space',
      ...Array.from({ length: 11 }, (_, i) => `a/obj-${i}`),
      'a/sp ace+ü',
      ...Array.from({ length: 10 }, (_, i) => `b/c/${String.fromCharCode(97 + i)}${i % 3 === 0 ? '/deeper' : ''}`),
      'b/x0',
      'b/x1',
      'b/x2',
      'b/x3',
      'd/0',
      'd/1',
      'd/2',
    ];

    beforeAll(async () => {
      expect(keys.length).toBe(40);
      b = await newBucket(s3, { prefix: 'ver', versioning: 'Enabled' });
      // A deterministic, uneven number of writes per key, adding up to TOTAL.
      const counts = keys.map((_, i) => 20 + ((i * 53) % 71));
      let diff = TOTAL - counts.reduce((s, c) => s + c, 0);
      for (let i = 0; diff !== 0; i = (i + 1) % counts.length) {
        const step = diff > 0 ? 1 : -1;
        if (counts[i]! + step >= 2) {
          counts[i]! += step;
          diff -= step;
        }
      }
      // Which writes are delete markers: a few in the middle of some keys, the last write of
      // every d/ key (so d/ has no current object) and of some others.
      const isMarker = (ki: number, j: number) => {
        const key = keys[ki]!;
        const last = j === counts[ki]! - 1;
        if (key.startsWith('d/')) return last || j % 9 === 4;
        if (last) return ki % 5 === 0;
        return ki % 3 === 0 && j % 17 === 5;
      };
      for (const k of keys) model.set(k, []);
      // 16 writers; each key is written by one writer, in order, so the model knows each key's order.
      const lanes = Array.from({ length: 16 }, (_, w) => keys.map((k, i) => [k, i] as const).filter(([, i]) => i % 16 === w));
      await pool(lanes, 16, async (lane) => {
        for (const [key, ki] of lane) {
          for (let j = 0; j < counts[ki]!; j++) {
            if (isMarker(ki, j)) {
              const d = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: key }));
              expect(d.DeleteMarker).toBe(true);
              model.get(key)!.push({ versionId: d.VersionId!, deleteMarker: true });
            } else {
              const body = `${key} #${j}`;
              const p = await s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: body }));
              model.get(key)!.push({ versionId: p.VersionId!, deleteMarker: false, etag: p.ETag });
            }
          }
        }
      });
      expect([...model.values()].reduce((s, v) => s + v.length, 0)).toBe(TOTAL);
    }, 300_000);

    const sortedKeys = () => [...model.keys()].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

    /** What a full walk must return, in order. */
    function expected(prefix: string, delimiter: string): Item[] {
      const out: Item[] = [];
      for (const key of sortedKeys()) {
        if (!key.startsWith(prefix)) continue;
        const di = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
        if (di >= 0) {
          const cp = key.slice(0, di + delimiter.length);
          const last = out[out.length - 1];
          if (!(last?.kind === 'Prefix' && last.prefix === cp)) out.push({ kind: 'Prefix', prefix: cp });
          continue;
        }
        const vs = [...model.get(key)!].reverse();
        vs.forEach((v, i) => out.push({ kind: v.deleteMarker ? 'DeleteMarker' : 'Version', key, versionId: v.versionId, isLatest: i === 0 }));
      }
      return out;
    }

    async function walkRaw(prefix: string, delimiter: string, maxKeys: number | undefined, encoding?: 'url'): Promise<{ items: Item[]; pages: number }> {
      const items: Item[] = [];
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await listVersionsRaw(b, {
          prefix: prefix || undefined,
          delimiter: delimiter || undefined,
          'max-keys': maxKeys,
          'key-marker': keyMarker,
          'version-id-marker': versionIdMarker,
          'encoding-type': encoding,
        });
        pages++;
        const limit = maxKeys ?? 1000;
        expect(page.items.length).toBeLessThanOrEqual(limit);
        expect(page.keyMarker ?? '').toBe(keyMarker ?? '');
        for (const it of page.items) {
          if (it.kind === 'Version') {
            const m = model.get(it.key)!.find((v) => v.versionId === it.versionId);
            expect(it.etag, `${it.key} ${it.versionId}`).toBe(m?.etag);
          }
          items.push({ ...it, etag: undefined, size: undefined } as Item);
        }
        if (!page.isTruncated) {
          expect(page.nextKeyMarker).toBeUndefined();
          break;
        }
        // A truncated page is full, and its Next markers name its last entry.
        expect(page.items.length).toBe(limit);
        const last = page.items[page.items.length - 1]!;
        if (last.kind === 'Prefix') {
          expect(page.nextKeyMarker).toBe(last.prefix);
        } else {
          expect(page.nextKeyMarker).toBe(last.key);
          expect(page.nextVersionIdMarker).toBe(last.versionId);
        }
        keyMarker = page.nextKeyMarker;
        versionIdMarker = last.kind === 'Prefix' ? undefined : page.nextVersionIdMarker;
        expect(pages).toBeLessThan(TOTAL + 10);
      }
      return {
        items: items.map((it) => (it.kind === 'Prefix' ? it : { kind: it.kind, key: it.key, versionId: it.versionId, isLatest: it.isLatest })),
        pages,
      };
    }

    it.each([
      { prefix: '', delimiter: '', maxKeys: undefined },
      { prefix: '', delimiter: '', maxKeys: 333 },
      { prefix: '', delimiter: '', maxKeys: 49 },
      { prefix: '', delimiter: '/', maxKeys: 7 },
      { prefix: '', delimiter: '/', maxKeys: 1000 },
      { prefix: 'b/', delimiter: '/', maxKeys: 1 },
      { prefix: 'b/', delimiter: '/', maxKeys: 2 },
      { prefix: 'b/c/', delimiter: '/', maxKeys: 50 },
      { prefix: 'a/', delimiter: '', maxKeys: 10 },
      { prefix: 'd/', delimiter: '', maxKeys: 13 },
      { prefix: '', delimiter: 'x', maxKeys: 100 },
    ])('raw walk prefix=$prefix delimiter=$delimiter max-keys=$maxKeys matches the model', async ({ prefix, delimiter, maxKeys }) => {
      const want = expected(prefix, delimiter);
      const { items, pages } = await walkRaw(prefix, delimiter, maxKeys);
      expect(items.length).toBe(want.length);
      expect(items.map(short)).toEqual(want.map(short));
      expect(pages).toBe(Math.max(1, Math.ceil(want.length / (maxKeys ?? 1000))));
    });

    it('raw walk with encoding-type=url matches the model (keys with space, + and ü)', async () => {
      for (const [prefix, delimiter, maxKeys] of [
        ['', '', 250],
        ['a/', '/', 9],
      ] as const) {
        const want = expected(prefix, delimiter);
        const { items } = await walkRaw(prefix, delimiter, maxKeys, 'url');
        expect(items.map(short)).toEqual(want.map(short));
      }
    });

    it('SDK walks (Versions and DeleteMarkers) never skip or repeat', async () => {
      for (const [prefix, delimiter, maxKeys] of [
        ['', '', 211],
        ['', '/', 5],
        ['b/', '/', 3],
      ] as const) {
        const want = expected(prefix, delimiter);
        const versions: string[] = [];
        const markers: string[] = [];
        const prefixes: string[] = [];
        let keyMarker: string | undefined;
        let versionIdMarker: string | undefined;
        for (let guard = 0; ; guard++) {
          expect(guard).toBeLessThan(TOTAL + 10);
          const out = await s3.send(
            new ListObjectVersionsCommand({
              Bucket: b,
              Prefix: prefix || undefined,
              Delimiter: delimiter || undefined,
              MaxKeys: maxKeys,
              KeyMarker: keyMarker,
              VersionIdMarker: versionIdMarker,
            }),
          );
          const count = (out.Versions?.length ?? 0) + (out.DeleteMarkers?.length ?? 0) + (out.CommonPrefixes?.length ?? 0);
          expect(count).toBeLessThanOrEqual(maxKeys);
          for (const v of out.Versions ?? []) versions.push(`${v.Key} ${v.VersionId} ${v.IsLatest}`);
          for (const v of out.DeleteMarkers ?? []) markers.push(`${v.Key} ${v.VersionId} ${v.IsLatest}`);
          for (const p of out.CommonPrefixes ?? []) prefixes.push(p.Prefix!);
          if (!out.IsTruncated) break;
          expect(count).toBe(maxKeys);
          keyMarker = out.NextKeyMarker;
          versionIdMarker = out.NextVersionIdMarker;
        }
        const fmt = (it: Item) => (it.kind === 'Prefix' ? '' : `${it.key} ${it.versionId} ${it.isLatest}`);
        expect(versions).toEqual(want.filter((i) => i.kind === 'Version').map(fmt));
        expect(markers).toEqual(want.filter((i) => i.kind === 'DeleteMarker').map(fmt));
        expect(prefixes).toEqual(want.flatMap((i) => (i.kind === 'Prefix' ? [i.prefix] : [])));
      }
    });

    it('version ids of every key are time-ordered: newest first means descending ids', async () => {
      for (const [key, vs] of model) {
        const ids = vs.map((v) => v.versionId);
        expect([...ids].sort(), key).toEqual(ids);
        expect(new Set(ids).size, key).toBe(ids.length);
      }
    });

    it('ListObjectsV2 and ListObjects show only current non-deleted objects; d/ is gone from CommonPrefixes', async () => {
      const current = sortedKeys().filter((k) => !model.get(k)!.at(-1)!.deleteMarker);
      expect(current.some((k) => k.startsWith('d/'))).toBe(false);
      expect(current.length).toBeLessThan(40);
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const out = await s3.send(new ListObjectsV2Command({ Bucket: b, MaxKeys: 7, ContinuationToken: token }));
        for (const c of out.Contents ?? []) {
          seen.push(c.Key!);
          expect(c.ETag).toBe(model.get(c.Key!)!.at(-1)!.etag);
        }
        token = out.NextContinuationToken;
      } while (token);
      expect(seen).toEqual(current);

      const root = await s3.send(new ListObjectsV2Command({ Bucket: b, Delimiter: '/' }));
      expect(root.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'b/']);
      expect(root.Contents?.map((c) => c.Key)).toEqual(current.filter((k) => !k.includes('/')));
      const v1 = await s3.send(new ListObjectsCommand({ Bucket: b, Delimiter: '/' }));
      expect(v1.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'b/']);
      const bc = await s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'b/c/', Delimiter: '/' }));
      const bcWant = current.filter((k) => k.startsWith('b/c/'));
      expect([...(bc.Contents ?? []).map((c) => c.Key), ...(bc.CommonPrefixes ?? []).map((p) => p.Prefix)].sort()).toEqual(
        [...new Set(bcWant.map((k) => (k.indexOf('/', 4) >= 0 ? k.slice(0, k.indexOf('/', 4) + 1) : k)))].sort(),
      );
      // ListObjectVersions keeps d/ as a common prefix.
      const lv = await s3.send(new ListObjectVersionsCommand({ Bucket: b, Delimiter: '/', MaxKeys: 1000 }));
      expect(lv.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'b/', 'd/']);
    });
  });
});
