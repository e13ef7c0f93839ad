/**
 * AWS Signature Version 2 for S3 (HMAC-SHA1), header and presigned-query
 * forms: pure functions, no I/O.
 *
 * StringToSign = Verb \n Content-MD5 \n Content-Type \n Date \n
 *                CanonicalizedAmzHeaders CanonicalizedResource
 *
 * Date is '' when the request carries x-amz-date (which then appears among
 * the amz headers) and the Expires value for a presigned URL.
 */
import { createHmac } from 'node:crypto';
import { S3Error } from '../errors/s3error.js';

/**
 * Query parameters that are part of the CanonicalizedResource. There is no
 * single list: AWS documents a short one, and clients grew their own. This is
 * the union of botocore's HmacV1Auth.QSAOfInterest, minio-go/MinIO's
 * resourceList and s3cmd's SUBRESOURCES_TO_INCLUDE (plus the object-lock
 * sub-resources), which is what a server must sign to verify any of them on
 * requests that carry only parameters all of them agree on. For the
 * parameters they disagree on, see V2_CLIENT_SUBRESOURCES.
 */
export const V2_SUBRESOURCES: ReadonlySet<string> = new Set([
  'accelerate',
  'acl',
  'analytics',
  'cors',
  'defaultObjectAcl',
  'delete',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'partNumber',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'retention',
  'select',
  'select-type',
  'storageClass',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
]);

const RESPONSE_OVERRIDES = [
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
];

/**
 * The sub-resource lists of the SigV2 clients still in use, for a verifier
 * that retries a mismatching signature with each distinct resource string
 * (see v2StringToSignCandidates). A client leaves out of its signature the
 * parameters its list lacks (botocore does not sign ?retention, s3cmd does
 * not sign ?tagging), so the union alone would reject them.
 */
export const V2_CLIENT_SUBRESOURCES: ReadonlyArray<ReadonlySet<string>> = [
  // botocore auth.HmacV1Auth.QSAOfInterest (boto3, aws-cli with s3v2 / signature_version=s3)
  new Set([
    'accelerate',
    'acl',
    'cors',
    'defaultObjectAcl',
    'location',
    'logging',
    'partNumber',
    'policy',
    'requestPayment',
    'torrent',
    'versioning',
    'versionId',
    'versions',
    'website',
    'uploads',
    'uploadId',
    ...RESPONSE_OVERRIDES,
    'delete',
    'lifecycle',
    'tagging',
    'restore',
    'storageClass',
    'notification',
    'replication',
    'analytics',
    'metrics',
    'inventory',
    'select',
    'select-type',
    'object-lock',
  ]),
  // minio-go / MinIO server resourceList
  new Set([
    'acl',
    'cors',
    'delete',
    'encryption',
    'legal-hold',
    'lifecycle',
    'location',
    'logging',
    'notification',
    'partNumber',
    'policy',
    'requestPayment',
    ...RESPONSE_OVERRIDES,
    'retention',
    'select',
    'select-type',
    'tagging',
    'torrent',
    'uploadId',
    'uploads',
    'versionId',
    'versioning',
    'versions',
    'website',
  ]),
  // s3cmd Crypto.sign_request_v2 SUBRESOURCES_TO_INCLUDE
  new Set([
    'acl',
    'lifecycle',
    'location',
    'logging',
    'notification',
    'partNumber',
    'policy',
    'requestPayment',
    'torrent',
    'uploadId',
    'uploads',
    'versionId',
    'versioning',
    'versions',
    'website',
    'delete',
    'cors',
  ]),
];

/**
 * 'AWS AKID:base64signature'. Anything else throws S3Error('InvalidArgument')
 * with AWS's message and the ArgumentName / ArgumentValue elements.
 */
export function parseV2Authorization(value: string): { accessKey: string; signature: string } {
  const m = /^AWS +([^:\s]+):(\S+)\s*$/.exec(value.trim());
  if (!m) {
    throw new S3Error('InvalidArgument', 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature', {
      ArgumentName: 'Authorization',
      ArgumentValue: value,
    });
  }
  return { accessKey: m[1]!, signature: m[2]! };
}

export interface V2StringToSignParts {
  method: string;
  contentMd5: string;
  contentType: string;
  /** The Date header; '' when x-amz-date is present; the Expires value for presigned. */
  date: string;
  headers: Record<string, string | string[] | undefined>;
  /** '/bucket/key' as sent (raw, still percent-encoded); '/bucket/' for a bucket, '/' for the service. */
  resource: string;
  /** Decoded query pairs (sigv4.parseQuery). */
  query: Array<[string, string]>;
}

/** Unfold (line breaks with their surrounding whitespace become one space) and trim. */
function amzHeaderValue(v: string): string {
  return v.replace(/[ \t]*\r?\n[ \t]*/g, ' ').trim();
}

/**
 * x-amz-* headers, names lowercased and sorted, values trimmed, a header sent
 * several times (an array, or the same name in different cases) joined with
 * ','. Each line ends with '\n'.
 */
export function canonicalizedAmzHeaders(headers: Record<string, string | string[] | undefined>): string {
  const byName = new Map<string, string[]>();
  for (const [name, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const lower = name.toLowerCase();
    if (!lower.startsWith('x-amz-')) continue;
    const list = byName.get(lower) ?? [];
    for (const one of Array.isArray(v) ? v : [v]) list.push(amzHeaderValue(one));
    byName.set(lower, list);
  }
  const names = [...byName.keys()].sort();
  let out = '';
  for (const n of names) out += `${n}:${byName.get(n)!.join(',')}\n`;
  return out;
}

/**
 * resource + '?' + the sub-resources present, sorted by name (stable for a
 * repeated name), 'name' when the value is empty, else 'name=value' with the
 * value decoded (NOT url-encoded again).
 */
export function canonicalizedResource(resource: string, query: Array<[string, string]>, subresources: ReadonlySet<string> = V2_SUBRESOURCES): string {
  const picked = query.filter(([name]) => subresources.has(name));
  if (picked.length === 0) return resource;
  picked.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `${resource}?${picked.map(([n, v]) => (v === '' ? n : `${n}=${v}`)).join('&')}`;
}

export function v2StringToSign(p: V2StringToSignParts, subresources: ReadonlySet<string> = V2_SUBRESOURCES): string {
  return (
    `${p.method}\n${p.contentMd5}\n${p.contentType}\n${p.date}\n` +
    canonicalizedAmzHeaders(p.headers) +
    canonicalizedResource(p.resource, p.query, subresources)
  );
}

/**
 * The distinct strings to sign under the union list and each client's list,
 * the union first. For most requests (no disputed parameter) there is one.
 */
export function v2StringToSignCandidates(p: V2StringToSignParts): string[] {
  const out = [v2StringToSign(p)];
  for (const set of V2_CLIENT_SUBRESOURCES) {
    const s = v2StringToSign(p, set);
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

/** base64 HMAC-SHA1 of the string to sign. */
export function v2Sign(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}
