/**
 * Server-side encryption through real clients against `node dist/cli.js
 * serve` (build first): aws-cli `s3 cp --sse AES256`, `--sse aws:kms
 * --sse-kms-key-id`, `--sse-c AES256 --sse-c-key fileb://…` (a multipart
 * upload too) up and down; boto3 with SSECustomerKey; s3cmd
 * `--server-side-encryption`. The server runs with CAIRN_SSEC_REQUIRE_TLS=false
 * (plain HTTP on loopback). A client that is not installed is skipped,
 * unless CAIRN_REQUIRE_CLIENTS=1 (CI).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cairn } from '../helpers/cli.js';
import { CairnProcess } from './harness.js';

const REQUIRE = process.env.CAIRN_REQUIRE_CLIENTS === '1';
const ACCESS_KEY = 'AKIACAIRNSSECLIENT01';
const SECRET_KEY = 'cairn-sse-clients-secret-key-000000000001';
const AWS = '/usr/bin/aws';
const PYTHON = '/usr/bin/python3';
const S3CMD = '/usr/bin/s3cmd';
const has = { aws: existsSync(AWS), boto3: existsSync(PYTHON), s3cmd: existsSync(S3CMD) };
const skip = (tool: keyof typeof has) => !has[tool] && !REQUIRE;
const STEP_MS = 120_000;

const proc = new CairnProcess(ACCESS_KEY, SECRET_KEY, 'warn');
let work = '';

interface Ran {
  line: string;
  code: number | string | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const line = `$ ${[cmd, ...args].join(' ')}`;
  const full = { PATH: '/usr/bin:/bin', HOME: join(work, 'home'), LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', ...env };
  return new Promise((res) => {
    execFile(cmd, args, { env: full, cwd: work, timeout: 90_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      res({ line, code: err ? ((err as { code?: number }).code ?? 'error') : 0, stdout, stderr });
    });
  });
}

function ok(r: Ran): Ran {
  expect(r.code, `${r.line}\nexit ${r.code}\n${r.stdout}\n${r.stderr}\nserver:\n${proc.tail()}`).toBe(0);
  return r;
}

const sdk = () =>
  new S3Client({ endpoint: proc.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY } });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cairn-sseclients-'));
  mkdirSync(join(work, 'home'));
  const data = join(work, 'data');
  mkdirSync(data);
  expect((await cairn(data, ['kms', 'create-key', 'photos'])).code).toBe(0);
  await proc.start(data, { CAIRN_SSEC_REQUIRE_TLS: 'false' });
}, 60_000);

afterAll(async () => {
  await proc.stop();
  if (work && process.env.CAIRN_KEEP_TMP !== '1') rmSync(work, { recursive: true, force: true });
}, 30_000);

describe.skipIf(skip('aws'))('aws-cli', () => {
  const env = () => ({
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: SECRET_KEY,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(work, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'aws-credentials'),
    AWS_MAX_ATTEMPTS: '1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  });
  const aws = (...args: string[]) => run(AWS, ['--endpoint-url', proc.endpoint, '--no-cli-pager', ...args], env());

  it(
    's3 cp --sse AES256, --sse aws:kms --sse-kms-key-id, --sse-c with fileb:// up and down',
    async () => {
      expect(has.aws, `CAIRN_REQUIRE_CLIENTS=1 but ${AWS} is missing`).toBe(true);
      writeFileSync(join(work, 'aws-config'), '');
      writeFileSync(join(work, 'aws-credentials'), '');
      ok(await aws('s3api', 'create-bucket', '--bucket', 'sse-awscli'));
      const small = randomBytes(100_000);
      const big = randomBytes(9 * 1024 * 1024 + 5);
      writeFileSync(join(work, 'small.bin'), small);
      writeFileSync(join(work, 'big.bin'), big);
      const key = randomBytes(32);
      writeFileSync(join(work, 'sse-c.key'), key);
      const sseC = ['--sse-c', 'AES256', '--sse-c-key', `fileb://${join(work, 'sse-c.key')}`];
      const cases: Array<[string, string, string[], string[]]> = [
        ['s3.bin', 'small.bin', ['--sse', 'AES256'], []],
        ['kms.bin', 'small.bin', ['--sse', 'aws:kms', '--sse-kms-key-id', 'photos'], []],
        ['c.bin', 'small.bin', sseC, sseC],
        ['c-big.bin', 'big.bin', sseC, sseC],
      ];
      for (const [k, file, up, down] of cases) {
        ok(await aws('s3', 'cp', join(work, file), `s3://sse-awscli/${k}`, ...up));
        ok(await aws('s3', 'cp', `s3://sse-awscli/${k}`, join(work, `down-${k}`), ...down));
        expect(readFileSync(join(work, `down-${k}`)).equals(readFileSync(join(work, file))), k).toBe(true);
      }
      const head = (k: string, extra: string[] = []) => aws('s3api', 'head-object', '--bucket', 'sse-awscli', '--key', k, ...extra);
      expect(JSON.parse(ok(await head('s3.bin')).stdout)).toMatchObject({ ServerSideEncryption: 'AES256' });
      const kms = JSON.parse(ok(await head('kms.bin')).stdout) as { ServerSideEncryption: string; SSEKMSKeyId: string };
      expect(kms.ServerSideEncryption).toBe('aws:kms');
      expect(kms.SSEKMSKeyId).toMatch(/key\/photos$/);
      const c = JSON.parse(
        ok(await head('c-big.bin', ['--sse-customer-algorithm', 'AES256', '--sse-customer-key', `fileb://${join(work, 'sse-c.key')}`])).stdout,
      ) as { SSECustomerAlgorithm: string };
      expect(c.SSECustomerAlgorithm).toBe('AES256');
      // Without the key the object cannot be read.
      expect((await aws('s3', 'cp', 's3://sse-awscli/c.bin', join(work, 'nokey.bin'))).code).not.toBe(0);
    },
    STEP_MS,
  );
});

describe.skipIf(skip('boto3'))('boto3', () => {
  it(
    'put_object / get_object / head_object / copy_object with SSECustomerKey',
    async () => {
      expect(has.boto3, `CAIRN_REQUIRE_CLIENTS=1 but ${PYTHON} is missing`).toBe(true);
      const script = `
import json, os, sys
import boto3
from botocore.config import Config
s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3],
                  region_name='us-east-1', config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}))
key = os.urandom(32)
other = os.urandom(32)
data = os.urandom(200000)
s3.create_bucket(Bucket='sse-boto3')
put = s3.put_object(Bucket='sse-boto3', Key='c', Body=data, SSECustomerAlgorithm='AES256', SSECustomerKey=key)
got = s3.get_object(Bucket='sse-boto3', Key='c', SSECustomerAlgorithm='AES256', SSECustomerKey=key)
body = got['Body'].read()
rng = s3.get_object(Bucket='sse-boto3', Key='c', Range='bytes=70000-70009', SSECustomerAlgorithm='AES256', SSECustomerKey=key)['Body'].read()
head = s3.head_object(Bucket='sse-boto3', Key='c', SSECustomerAlgorithm='AES256', SSECustomerKey=key)
s3.copy_object(Bucket='sse-boto3', Key='c2', CopySource={'Bucket': 'sse-boto3', 'Key': 'c'},
               CopySourceSSECustomerAlgorithm='AES256', CopySourceSSECustomerKey=key, SSECustomerAlgorithm='AES256', SSECustomerKey=other)
copied = s3.get_object(Bucket='sse-boto3', Key='c2', SSECustomerAlgorithm='AES256', SSECustomerKey=other)['Body'].read()
try:
    s3.get_object(Bucket='sse-boto3', Key='c2', SSECustomerAlgorithm='AES256', SSECustomerKey=key)
    wrong = 'no error'
except Exception as e:
    wrong = e.response['Error']['Code']
print(json.dumps({'same': body == data, 'range': rng == data[70000:70010], 'copied': copied == data,
                  'algorithm': head.get('SSECustomerAlgorithm'), 'putAlgorithm': put.get('SSECustomerAlgorithm'), 'wrong': wrong}))
`;
      const r = ok(await run(PYTHON, ['-c', script, proc.endpoint, ACCESS_KEY, SECRET_KEY]));
      expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({
        same: true,
        range: true,
        copied: true,
        algorithm: 'AES256',
        putAlgorithm: 'AES256',
        wrong: 'AccessDenied',
      });
    },
    STEP_MS,
  );
});

describe.skipIf(skip('s3cmd'))('s3cmd', () => {
  it(
    'put --server-side-encryption (and --server-side-encryption-kms-id), get back',
    async () => {
      expect(has.s3cmd, `CAIRN_REQUIRE_CLIENTS=1 but ${S3CMD} is missing`).toBe(true);
      const port = new URL(proc.endpoint).port;
      const cfg = join(work, 's3cfg');
      writeFileSync(
        cfg,
        [
          '[default]',
          `access_key = ${ACCESS_KEY}`,
          `secret_key = ${SECRET_KEY}`,
          `host_base = 127.0.0.1:${port}`,
          `host_bucket = 127.0.0.1:${port}`,
          'bucket_location = us-east-1',
          'use_https = False',
          'signature_v2 = False',
          '',
        ].join('\n'),
      );
      const s3cmd = (...args: string[]) => run(S3CMD, ['-c', cfg, '--no-progress', ...args]);
      const data = randomBytes(150_000);
      writeFileSync(join(work, 's3cmd.bin'), data);
      ok(await s3cmd('mb', 's3://sse-s3cmd'));
      ok(await s3cmd('put', '--server-side-encryption', join(work, 's3cmd.bin'), 's3://sse-s3cmd/s3.bin'));
      ok(await s3cmd('put', '--server-side-encryption-kms-id=photos', join(work, 's3cmd.bin'), 's3://sse-s3cmd/kms.bin'));
      for (const k of ['s3.bin', 'kms.bin']) {
        ok(await s3cmd('get', '--force', `s3://sse-s3cmd/${k}`, join(work, `s3cmd-down-${k}`)));
        expect(readFileSync(join(work, `s3cmd-down-${k}`)).equals(data), k).toBe(true);
      }
      const client = sdk();
      try {
        expect((await client.send(new HeadObjectCommand({ Bucket: 'sse-s3cmd', Key: 's3.bin' }))).ServerSideEncryption).toBe('AES256');
        expect((await client.send(new HeadObjectCommand({ Bucket: 'sse-s3cmd', Key: 'kms.bin' }))).ServerSideEncryption).toBe('aws:kms');
      } finally {
        client.destroy();
      }
    },
    STEP_MS,
  );
});
