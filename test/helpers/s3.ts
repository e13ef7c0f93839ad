import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect } from 'vitest';

/** Shared helpers for the test suites: one copy of each, instead of one per file. */

export type S3Err = S3ServiceException & { Code?: string; $metadata: { httpStatusCode?: number } };

/** The S3 error a promise rejects with; fails when it resolves or rejects with anything else. */
export async function s3Error(p: Promise<unknown>): Promise<S3Err> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3ServiceException) return e as S3Err;
    throw e;
  }
  throw new Error('expected an S3 error');
}

/** Expects `p` to fail with this S3 error code and HTTP status. */
export async function expectS3Error(p: Promise<unknown>, code: string, status: number): Promise<S3Err> {
  const e = await s3Error(p);
  expect({ code: e.name, status: e.$metadata.httpStatusCode }).toEqual({ code, status });
  return e;
}

export const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');

/** The bytes of a GetObject answer's body. */
export async function body(out: { Body?: unknown }): Promise<Buffer> {
  return Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

export async function text(out: { Body?: unknown }): Promise<string> {
  return (await body(out)).toString('utf8');
}

let bucketCounter = 0;

/** A new bucket with a unique name (`prefix-<time>-<n>`), optionally with versioning or Object Lock. */
export async function newBucket(client: S3Client, opts: { prefix?: string; versioning?: 'Enabled' | 'Suspended'; objectLock?: boolean } = {}): Promise<string> {
  const name = `${opts.prefix ?? 'test'}-${Date.now().toString(36)}-${bucketCounter++}`;
  await client.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: opts.objectLock || undefined }));
  if (opts.versioning) await client.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: opts.versioning } }));
  return name;
}

/** Runs `fn` over `items` with at most `limit` in flight; results in item order. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every `stepMs` until it holds (true) or `timeoutMs` passes (false). */
export async function waitFor(cond: () => boolean, timeoutMs = 3000, stepMs = 20): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (cond()) return true;
    if (Date.now() > until) return false;
    await sleep(stepMs);
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

/**
 * `describe` for the slow durability and large-object cases: skipped when
 * CAIRN_FAST=1 (`npm run test:fast`, for a quick local loop); `npm test` and
 * CI run them.
 */
export const slowDescribe = process.env.CAIRN_FAST === '1' ? describe.skip : describe;
