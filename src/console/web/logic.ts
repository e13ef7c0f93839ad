/**
 * The console's pure logic, unit-tested without a browser: multipart
 * planning, listing pages, the public-read policy switch, sizes.
 */

export interface PartPlan {
  readonly partNumber: number;
  readonly start: number;
  readonly end: number;
}

export const MIN_PART = 5 * 1024 * 1024;
export const MAX_PARTS = 10_000;

/** Parts for a multipart upload of `size` bytes: at least `preferred` bytes each (≥ 5 MiB), at most 10,000 parts. */
export function planParts(size: number, preferred = 8 * 1024 * 1024): PartPlan[] {
  let partSize = Math.max(MIN_PART, preferred);
  if (Math.ceil(size / partSize) > MAX_PARTS) partSize = Math.ceil(size / MAX_PARTS);
  const parts: PartPlan[] = [];
  for (let start = 0, n = 1; start < size || n === 1; start += partSize, n++) {
    parts.push({ partNumber: n, start, end: Math.min(size, start + partSize) });
    if (size === 0) break;
  }
  return parts;
}

/** Whether a file is uploaded in parts. */
export function usesMultipart(size: number, threshold = 16 * 1024 * 1024): boolean {
  return size > threshold;
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** The statement the "public" switch writes: anyone may read objects. */
export const PUBLIC_READ_SID = 'CairnConsolePublicRead';

export function publicReadStatement(bucket: string): Record<string, unknown> {
  return { Sid: PUBLIC_READ_SID, Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` };
}

/**
 * The bucket policy after flipping the public switch: the console's own
 * statement added or removed, every other statement kept. undefined: no
 * statement is left (delete the policy).
 */
export function withPublicRead(policy: string | undefined, bucket: string, on: boolean): string | undefined {
  let doc: { Version?: string; Statement?: unknown } = { Version: '2012-10-17', Statement: [] };
  if (policy) doc = JSON.parse(policy) as typeof doc;
  const list = Array.isArray(doc.Statement) ? [...(doc.Statement as unknown[])] : doc.Statement ? [doc.Statement] : [];
  const others = list.filter((s) => !(s && typeof s === 'object' && (s as { Sid?: string }).Sid === PUBLIC_READ_SID));
  const next = on ? [...others, publicReadStatement(bucket)] : others;
  if (next.length === 0) return undefined;
  return JSON.stringify({ Version: doc.Version ?? '2012-10-17', Statement: next }, null, 2);
}

/** Is the console's public-read statement in this policy? */
export function isPublicRead(policy: string | undefined): boolean {
  if (!policy) return false;
  try {
    const doc = JSON.parse(policy) as { Statement?: unknown };
    const list = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    return list.some((s) => s && typeof s === 'object' && (s as { Sid?: string }).Sid === PUBLIC_READ_SID);
  } catch {
    return false;
  }
}

/** A read-only policy for one bucket, the form the user screen offers. */
export function bucketPolicyForm(bucket: string, access: 'read' | 'readwrite'): string {
  const actions =
    access === 'read'
      ? ['s3:GetObject', 's3:ListBucket', 's3:GetBucketLocation']
      : ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket', 's3:GetBucketLocation'];
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:ListAllMyBuckets'], Resource: '*' },
        { Effect: 'Allow', Action: actions, Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] },
      ],
    },
    null,
    2,
  );
}

/** Breadcrumbs of a prefix: [['', 'bucket'], ['a/', 'a'], ['a/b/', 'b']]. */
export function breadcrumbs(prefix: string): { prefix: string; label: string }[] {
  const out: { prefix: string; label: string }[] = [];
  let acc = '';
  for (const part of prefix.split('/').filter((p) => p !== '')) {
    acc += `${part}/`;
    out.push({ prefix: acc, label: part });
  }
  return out;
}

/** The kind of in-place preview a key gets, from its content type or extension. */
export function previewKind(key: string, contentType = ''): 'image' | 'text' | 'pdf' | 'audio' | 'video' | undefined {
  const ext = key.toLowerCase().split('.').pop() ?? '';
  if (contentType.startsWith('image/') || ['png', 'jpg', 'jpeg', 'gif', 'webp', 'svg', 'avif', 'bmp'].includes(ext)) return 'image';
  if (contentType === 'application/pdf' || ext === 'pdf') return 'pdf';
  if (contentType.startsWith('audio/') || ['mp3', 'ogg', 'wav', 'flac', 'm4a'].includes(ext)) return 'audio';
  if (contentType.startsWith('video/') || ['mp4', 'webm', 'mov', 'mkv'].includes(ext)) return 'video';
  if (
    contentType.startsWith('text/') ||
    /json|xml|javascript|yaml/.test(contentType) ||
    ['txt', 'md', 'json', 'csv', 'log', 'xml', 'yaml', 'yml', 'ts', 'js', 'html', 'css'].includes(ext)
  )
    return 'text';
  return undefined;
}
