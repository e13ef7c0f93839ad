/**
 * Bucket notifications through Debian's aws-cli against `node dist/cli.js serve` (build first): put/get
 * bucket-notification-configuration with a webhook target, an object uploaded with `aws s3 cp` arriving at a
 * receiver on loopback, an unknown destination refused. Skipped when aws-cli is missing, unless
 * CAIRN_REQUIRE_CLIENTS=1 (CI).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/s3.js';
import { CairnProcess, freePort } from './harness.js';

const REQUIRE = process.env.CAIRN_REQUIRE_CLIENTS === '1';
const ACCESS_KEY = 'AKIACAIRNNOTIFY00001';
const SECRET_KEY = 'cairn-notify-secret-key-0000000000000001';
const AWS = '/usr/bin/aws';
const skip = !existsSync(AWS) && !REQUIRE;

interface Ran {
  line: string;
  code: number | string | null;
  stdout: string;
  stderr: string;
}

describe.skipIf(skip)('aws-cli s3api put-bucket-notification-configuration (Debian awscli)', () => {
  const proc = new CairnProcess(ACCESS_KEY, SECRET_KEY, 'warn');
  let work = '';
  let receiver: Server;
  const bodies: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    expect(existsSync(AWS), `CAIRN_REQUIRE_CLIENTS=1 but ${AWS} (apt-get install awscli) is missing`).toBe(true);
    work = mkdtempSync(join(tmpdir(), 'cairn-nclients-'));
    mkdirSync(join(work, 'home'));
    mkdirSync(join(work, 'data'));
    const port = await freePort();
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(port, '127.0.0.1', r));
    proc.env = { CAIRN_NOTIFICATION_TARGETS: JSON.stringify([{ id: 'cli-hook', url: `http://127.0.0.1:${port}/` }]) };
    await proc.start(join(work, 'data'));
  }, 60_000);

  afterAll(async () => {
    await proc.stop();
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
    if (work && process.env.CAIRN_KEEP_TMP !== '1') rmSync(work, { recursive: true, force: true });
  }, 30_000);

  const aws = (args: string[]): Promise<Ran> =>
    new Promise((res) => {
      const env = {
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: join(work, 'home'),
        TMPDIR: work,
        LANG: 'C.UTF-8',
        LC_ALL: 'C.UTF-8',
        AWS_ACCESS_KEY_ID: ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY: SECRET_KEY,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_CONFIG_FILE: join(work, 'aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(work, 'aws-credentials'),
        AWS_MAX_ATTEMPTS: '1',
      };
      const full = ['--endpoint-url', proc.endpoint, ...args];
      execFile(AWS, full, { env, cwd: work, timeout: 90_000, encoding: 'utf8' }, (err, stdout, stderr) => {
        res({ line: `$ aws ${full.join(' ')}`, code: err ? ((err as { code?: number }).code ?? 'error') : 0, stdout, stderr });
      });
    });
  const story = (r: Ran) => `${r.line}\nexit: ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\nserver log:\n${proc.tail()}`;

  it('sets and reads the configuration, delivers an upload, refuses an unknown destination', async () => {
    const bucket = 'cairn-notify';
    let r = await aws(['s3api', 'create-bucket', '--bucket', bucket]);
    expect(r.code, story(r)).toBe(0);
    const config = {
      QueueConfigurations: [
        {
          Id: 'uploads',
          QueueArn: 'arn:cairn:sqs::cli-hook:webhook',
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'in/' }] } },
        },
      ],
    };
    writeFileSync(join(work, 'notify.json'), JSON.stringify(config));
    r = await aws(['s3api', 'put-bucket-notification-configuration', '--bucket', bucket, '--notification-configuration', 'file://notify.json']);
    expect(r.code, story(r)).toBe(0);
    r = await aws(['s3api', 'get-bucket-notification-configuration', '--bucket', bucket]);
    expect(r.code, story(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      QueueConfigurations: [
        {
          Id: 'uploads',
          QueueArn: 'arn:cairn:sqs::cli-hook:webhook',
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'in/' }] } },
        },
      ],
    });
    writeFileSync(join(work, 'photo.jpg'), 'not really a photo');
    r = await aws(['s3', 'cp', 'photo.jpg', `s3://${bucket}/in/photo 1.jpg`]);
    expect(r.code, story(r)).toBe(0);
    const created = () => bodies.flatMap((b) => (b.Records as Array<{ eventName: string; s3: { object: { key: string; size: number } } }> | undefined) ?? []);
    expect(await waitFor(() => created().length > 0, 10_000, 50), proc.tail()).toBe(true);
    expect(created()[0]).toMatchObject({ eventName: 'ObjectCreated:Put', s3: { object: { key: 'in/photo+1.jpg', size: 18 } } });
    expect(bodies.some((b) => b.Event === 's3:TestEvent')).toBe(true);

    writeFileSync(
      join(work, 'bad.json'),
      JSON.stringify({ TopicConfigurations: [{ TopicArn: 'arn:cairn:sns::missing:webhook', Events: ['s3:ObjectRemoved:*'] }] }),
    );
    r = await aws(['s3api', 'put-bucket-notification-configuration', '--bucket', bucket, '--notification-configuration', 'file://bad.json']);
    expect(r.code, story(r)).not.toBe(0);
    expect(r.stderr).toMatch(/InvalidArgument.*Unable to validate the following destination configurations/);

    writeFileSync(join(work, 'empty.json'), '{}');
    r = await aws(['s3api', 'put-bucket-notification-configuration', '--bucket', bucket, '--notification-configuration', 'file://empty.json']);
    expect(r.code, story(r)).toBe(0);
    r = await aws(['s3api', 'get-bucket-notification-configuration', '--bucket', bucket]);
    expect([r.code, r.stdout.trim()], story(r)).toEqual([0, '']);
  }, 120_000);
});
