import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  IAMServiceException,
  PutUserPolicyCommand,
  type IAMClientConfig,
} from '@aws-sdk/client-iam';
import { STSClient, STSServiceException } from '@aws-sdk/client-sts';
import type { S3Client } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import { ACCESS_KEY, SECRET_KEY, type TestServer } from './server.js';

/** Helpers for tests that act as IAM users, roles and sessions through the SDKs. */

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const ADMIN: Creds = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY };

const clients = new WeakMap<TestServer, Array<{ destroy(): void }>>();

function track<T extends { destroy(): void }>(ts: TestServer, c: T): T {
  let list = clients.get(ts);
  if (!list) clients.set(ts, (list = []));
  list.push(c);
  return c;
}

/** Destroys the IAM and STS clients made for this server (S3 clients go with ts.stop()). */
export function destroyClients(ts: TestServer): void {
  for (const c of clients.get(ts) ?? []) c.destroy();
  clients.delete(ts);
}

export function iamClient(ts: TestServer, creds: Creds = ADMIN, overrides: Partial<IAMClientConfig> = {}): IAMClient {
  return track(ts, new IAMClient({ endpoint: ts.url, region: 'us-east-1', credentials: creds, maxAttempts: 1, ...overrides }));
}

export function stsClient(ts: TestServer, creds: Creds = ADMIN, systemClockOffset?: number): STSClient {
  return track(ts, new STSClient({ endpoint: ts.url, region: 'us-east-1', credentials: creds, maxAttempts: 1, systemClockOffset }));
}

export function s3As(ts: TestServer, creds: Creds, overrides: Parameters<TestServer['client']>[0] = {}): S3Client {
  return ts.client({ credentials: creds, maxAttempts: 1, ...overrides });
}

export interface TestUser {
  name: string;
  arn: string;
  creds: Creds;
  s3: S3Client;
}

/**
 * Creates an IAM user with an access key, optionally an inline policy
 * (PutUserPolicy, name `inline`) and attached managed policies, through the
 * IAM API as `iam`'s caller.
 */
export async function createUser(ts: TestServer, iam: IAMClient, name: string, opts: { inline?: object; attach?: string[] } = {}): Promise<TestUser> {
  const u = await iam.send(new CreateUserCommand({ UserName: name }));
  const k = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  if (opts.inline) await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'inline', PolicyDocument: JSON.stringify(opts.inline) }));
  for (const arn of opts.attach ?? []) await iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: arn }));
  const creds = { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! };
  return { name, arn: u.User!.Arn!, creds, s3: s3As(ts, creds) };
}

/** A policy document of the given statements. */
export const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });

export type QueryErr = (IAMServiceException | STSServiceException) & { $metadata: { httpStatusCode?: number } };

/** Expects an IAM or STS call to fail with this code and HTTP status. */
export async function expectQueryError(p: Promise<unknown>, code: string, status: number): Promise<QueryErr> {
  try {
    await p;
  } catch (e) {
    if (e instanceof IAMServiceException || e instanceof STSServiceException) {
      expect({ code: e.name, status: e.$metadata.httpStatusCode }).toEqual({ code, status });
      return e as QueryErr;
    }
    throw e;
  }
  throw new Error(`expected ${code}`);
}
