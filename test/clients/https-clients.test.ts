/**
 * The real clients over HTTPS (`cairn cert self-signed`, CAIRN_TLS_CERT /
 * CAIRN_TLS_KEY): each trusts the certificate as it spells it (aws
 * --ca-bundle, boto3 verify=, s3cmd --ca-certs, rclone --ca-cert) and also
 * works with verification off (--no-verify-ssl, verify=False,
 * --no-check-certificate). Skipped for a client that is not installed,
 * unless CAIRN_REQUIRE_CLIENTS=1 (CI).
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child.js';
import { cairn } from '../helpers/cli.js';
import { ACCESS_KEY, SECRET_KEY } from '../helpers/server.js';

const REQUIRE = process.env.CAIRN_REQUIRE_CLIENTS === '1';
const AWS = '/usr/bin/aws';
const PYTHON = '/usr/bin/python3';
const S3CMD = '/usr/bin/s3cmd';
const RCLONE = '/usr/bin/rclone';
const has = {
  aws: existsSync(AWS),
  boto3: existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0,
  s3cmd: existsSync(S3CMD),
  rclone: existsSync(RCLONE),
};
const skip = (tool: keyof typeof has) => !has[tool] && !REQUIRE;

let work: string;
let srv: ChildServer;
let cert: string;
let file: string;
const content = randomBytes(64 * 1024);

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(
      cmd,
      args,
      { env: { PATH: process.env.PATH, HOME: work, ...env }, encoding: 'buffer', timeout: 60_000, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: stdout.toString('latin1'), stderr: stderr.toString() }),
    );
  });
}

const ok = (r: { code: number; stdout: string; stderr: string }) => expect(r.code, `${r.stdout}\n${r.stderr}\n${srv.output().slice(-2000)}`).toBe(0);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cairn-https-clients-'));
  const made = await cairn(join(work, 'certs'), ['cert', 'self-signed', '--host', 'localhost', '--host', '127.0.0.1']);
  expect(made.code, made.stderr).toBe(0);
  cert = join(work, 'certs', 'tls', 'cert.pem');
  file = join(work, 'upload.bin');
  writeFileSync(file, content);
  srv = await spawnServer(join(work, 'data'), { CAIRN_TLS_CERT: cert, CAIRN_TLS_KEY: join(work, 'certs', 'tls', 'key.pem') }, 'https');
}, 60_000);
afterAll(async () => {
  if (srv && srv.proc.exitCode === null) {
    srv.proc.kill('SIGTERM');
    await srv.exited;
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

const AWS_ENV = () => ({
  AWS_ACCESS_KEY_ID: ACCESS_KEY,
  AWS_SECRET_ACCESS_KEY: SECRET_KEY,
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_CONFIG_FILE: join(work, 'no-aws-config'),
  AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'),
});

describe.skipIf(skip('aws'))('aws-cli over HTTPS', () => {
  it('--ca-bundle trusts the certificate; --no-verify-ssl works too', async () => {
    const base = ['--endpoint-url', srv.url];
    ok(await run(AWS, [...base, '--ca-bundle', cert, 's3', 'mb', 's3://aws-tls'], AWS_ENV()));
    ok(await run(AWS, [...base, '--ca-bundle', cert, 's3', 'cp', file, 's3://aws-tls/obj'], AWS_ENV()));
    const out = join(work, 'aws-down.bin');
    ok(await run(AWS, [...base, '--ca-bundle', cert, 's3', 'cp', 's3://aws-tls/obj', out], AWS_ENV()));
    expect(readFileSync(out).equals(content)).toBe(true);
    const ls = await run(AWS, [...base, '--no-verify-ssl', 's3', 'ls', 's3://aws-tls/'], AWS_ENV());
    ok(ls);
    expect(ls.stdout).toContain('obj');
    // Without the CA, verification fails.
    expect((await run(AWS, [...base, 's3', 'ls'], AWS_ENV())).code).not.toBe(0);
  }, 120_000);
});

describe.skipIf(skip('boto3'))('boto3 over HTTPS', () => {
  it('verify=<ca file> and verify=False', async () => {
    const script = `
import sys, boto3
url, cert, ak, sk = sys.argv[1:5]
def client(verify):
    return boto3.client('s3', endpoint_url=url, aws_access_key_id=ak, aws_secret_access_key=sk, region_name='us-east-1', verify=verify)
c = client(cert)
c.create_bucket(Bucket='boto-tls')
c.put_object(Bucket='boto-tls', Key='k', Body=b'over https')
assert c.get_object(Bucket='boto-tls', Key='k')['Body'].read() == b'over https'
assert [o['Key'] for o in client(False).list_objects_v2(Bucket='boto-tls')['Contents']] == ['k']
print('ok')
`;
    const r = await run(PYTHON, ['-c', script, srv.url, cert, ACCESS_KEY, SECRET_KEY], { PYTHONWARNINGS: 'ignore' });
    ok(r);
    expect(r.stdout.trim()).toBe('ok');
  }, 120_000);
});

describe.skipIf(skip('s3cmd'))('s3cmd over HTTPS', () => {
  it('--ca-certs trusts the certificate; --no-check-certificate works too', async () => {
    const host = `127.0.0.1:${srv.port}`;
    const cfg = join(work, 's3cfg');
    writeFileSync(
      cfg,
      `[default]\naccess_key = ${ACCESS_KEY}\nsecret_key = ${SECRET_KEY}\nhost_base = ${host}\nhost_bucket = ${host}\nuse_https = True\nsignature_v2 = False\nbucket_location = us-east-1\n`,
    );
    const s3cmd = (...a: string[]) => run(S3CMD, ['-c', cfg, ...a]);
    ok(await s3cmd('--ca-certs', cert, 'mb', 's3://s3cmd-tls'));
    ok(await s3cmd('--ca-certs', cert, 'put', file, 's3://s3cmd-tls/obj'));
    const out = join(work, 's3cmd-down.bin');
    ok(await s3cmd('--ca-certs', cert, 'get', 's3://s3cmd-tls/obj', out));
    expect(readFileSync(out).equals(content)).toBe(true);
    const ls = await s3cmd('--no-check-certificate', 'ls', 's3://s3cmd-tls');
    ok(ls);
    expect(ls.stdout).toContain('s3://s3cmd-tls/obj');
  }, 120_000);
});

describe.skipIf(skip('rclone'))('rclone over HTTPS', () => {
  it('--ca-cert trusts the certificate; --no-check-certificate works too', async () => {
    const env = {
      RCLONE_CONFIG: join(work, 'no-rclone.conf'),
      RCLONE_CONFIG_CAIRN_TYPE: 's3',
      RCLONE_CONFIG_CAIRN_PROVIDER: 'Other',
      RCLONE_CONFIG_CAIRN_ACCESS_KEY_ID: ACCESS_KEY,
      RCLONE_CONFIG_CAIRN_SECRET_ACCESS_KEY: SECRET_KEY,
      RCLONE_CONFIG_CAIRN_ENDPOINT: srv.url,
      RCLONE_CONFIG_CAIRN_REGION: 'us-east-1',
      RCLONE_CONFIG_CAIRN_FORCE_PATH_STYLE: 'true',
    };
    ok(await run(RCLONE, ['--ca-cert', cert, 'mkdir', 'cairn:rclone-tls'], env));
    ok(await run(RCLONE, ['--ca-cert', cert, 'copyto', file, 'cairn:rclone-tls/obj'], env));
    const cat = await run(RCLONE, ['--ca-cert', cert, 'cat', 'cairn:rclone-tls/obj'], env);
    ok(cat);
    expect(Buffer.from(cat.stdout, 'latin1').equals(content)).toBe(true);
    const ls = await run(RCLONE, ['--no-check-certificate', 'lsf', 'cairn:rclone-tls'], env);
    ok(ls);
    expect(ls.stdout.trim()).toBe('obj');
  }, 120_000);
});
