/**
 * Veeam's Smart Object Storage API (SOSAPI 1.0): two virtual objects under
 * a fixed system prefix of every bucket, read by Veeam Backup & Replication
 * with GET/HEAD. `system.xml` declares the protocol version, the model and
 * the capabilities (capacity reporting); `capacity.xml` reports Capacity,
 * Available and Used in bytes, from the disk the data directory is on
 * (Capacity: the filesystem's size; Available: what is free to Cairn; Used:
 * the difference). A bucket with a byte quota (`cairn bucket quota
 * --max-size`) reports the quota instead: Capacity is the quota, Used the
 * bytes the quota counts (every version and open multipart parts), Available
 * what is left of it (never negative, when the quota was lowered below usage).
 */
import { createHash } from 'node:crypto';
import type { Bucket } from '../core/buckets.js';
import { toXml } from '../xml/xml.js';
import type { OpContext, Output } from './operation.js';

export const SOSAPI_PREFIX = '.system-d26a9498-cb7c-4a87-a44a-8ae204f5ba6c/';
export const SYSTEM_XML = `${SOSAPI_PREFIX}system.xml`;
export const CAPACITY_XML = `${SOSAPI_PREFIX}capacity.xml`;

export function isSosapiKey(key: string): boolean {
  return key === SYSTEM_XML || key === CAPACITY_XML;
}

/**
 * system.xml: SOSAPI 1.0, the version and model in double quotes as Veeam's
 * document writes them (a constant, so written literally rather than through
 * the escaping serializer); capacity reporting only, and Veeam's own defaults
 * stated as recommendations (1,000 keys per DeleteObjects, S3's maximum; 1 MiB blocks).
 */
const SYSTEM_INFO =
  '<?xml version="1.0" encoding="UTF-8"?>\n<SystemInfo><ProtocolVersion>"1.0"</ProtocolVersion><ModelName>"Cairn"</ModelName>' +
  '<ProtocolCapabilities><CapacityInfo>true</CapacityInfo><UploadSessions>false</UploadSessions><IAMSTS>false</IAMSTS></ProtocolCapabilities>' +
  '<SystemRecommendations><S3MultiObjectDeleteLimit>1000</S3MultiObjectDeleteLimit><KbBlockSize>1024</KbBlockSize></SystemRecommendations></SystemInfo>';

async function capacityOf(ctx: OpContext, bucket: Bucket): Promise<{ capacity: number; available: number; used: number }> {
  const maxBytes = ctx.services.quotas.quota(bucket)?.maxBytes;
  if (maxBytes === undefined) return ctx.services.objects.capacity();
  const used = ctx.services.quotas.usage(bucket).bytes;
  return { capacity: maxBytes, available: Math.max(0, maxBytes - used), used };
}

async function capacityInfo(ctx: OpContext, bucket: Bucket): Promise<string> {
  const c = await capacityOf(ctx, bucket);
  return toXml('CapacityInfo', { Capacity: c.capacity, Available: c.available, Used: c.used }, null);
}

/** The GET/HEAD answer for a SOSAPI object (computed on each request: capacity changes). */
export async function sosapiObject(ctx: OpContext, bucket: Bucket, key: string, withBody: boolean): Promise<Output> {
  const doc = Buffer.from(key === SYSTEM_XML ? SYSTEM_INFO : await capacityInfo(ctx, bucket), 'utf8');
  const headers = {
    'content-type': 'application/xml',
    'content-length': doc.length,
    etag: `"${createHash('md5').update(doc).digest('hex')}"`,
    'last-modified': new Date(ctx.clock()).toUTCString(),
  };
  return withBody ? { status: 200, headers, body: doc, bytes: doc.length } : { status: 200, headers };
}
