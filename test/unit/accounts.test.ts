import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/store/db.js';
import { AccountsRepo, KEY_RECHECK_MS } from '../../src/store/accounts.js';
import { SecretBox } from '../../src/store/secrets.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('AccountsRepo', () => {
  let dir: string;
  let serverDb: Db;
  let cliDb: Db;
  let box: SecretBox;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-accounts-'));
    serverDb = openDb(join(dir, 'cairn.db'), 'NORMAL');
    cliDb = openDb(join(dir, 'cairn.db'), 'FULL');
    box = SecretBox.open(dir);
  });
  afterEach(() => {
    serverDb.close();
    cliDb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees keys the CLI (another connection) creates, deactivates and deletes within KEY_RECHECK_MS', async () => {
    const server = new AccountsRepo(serverDb, box);
    const cli = new AccountsRepo(cliDb, box);
    expect(server.findKey('CKTESTKEY00000000001')).toBeUndefined();
    const made = cli.create('alice', { accessKey: 'CKTESTKEY00000000001', secretKey: 'secret-1' });
    expect(typeof made).toBe('object');
    await sleep(KEY_RECHECK_MS + 20);
    const k = server.findKey('CKTESTKEY00000000001');
    expect(server.get(k!.account)?.name).toBe('alice');
    expect(k?.secret).toBe('secret-1');
    expect(cli.setKeyStatus('CKTESTKEY00000000001', 'Inactive')).toBe(true);
    await sleep(KEY_RECHECK_MS + 20);
    expect(server.findKey('CKTESTKEY00000000001')?.status).toBe('Inactive');
    expect(cli.deleteKey('CKTESTKEY00000000001')).toBe(true);
    await sleep(KEY_RECHECK_MS + 20);
    expect(server.findKey('CKTESTKEY00000000001')).toBeUndefined();
  });

  it("sees its own connection's changes at once", () => {
    const server = new AccountsRepo(serverDb, box);
    expect(server.findKey('CKTESTKEY00000000002')).toBeUndefined();
    server.create('bob', { accessKey: 'CKTESTKEY00000000002', secretKey: 'secret-2' });
    expect(server.findKey('CKTESTKEY00000000002')?.secret).toBe('secret-2');
    server.deleteKey('CKTESTKEY00000000002');
    expect(server.findKey('CKTESTKEY00000000002')).toBeUndefined();
  });

  it('gives every account a 12-digit account id, a 64-hex canonical id, and unique names, emails and keys', () => {
    const repo = new AccountsRepo(serverDb, box);
    const a = repo.create('carol', { accessKey: 'CKTESTKEY00000000003', secretKey: 's3', email: 'Carol@Example.com' });
    if (typeof a === 'string') throw new Error(a);
    expect(a.account.accountId).toMatch(/^[1-9]\d{11}$/);
    expect(a.account.canonicalId).toMatch(/^[0-9a-f]{64}$/);
    expect(a.account.email).toBe('carol@example.com');
    expect(repo.byEmail('carol@example.com')?.name).toBe('carol');
    expect(repo.create('carol', { accessKey: 'CKTESTKEY00000000004', secretKey: 's4' })).toBe('name-taken');
    expect(repo.create('dave', { accessKey: 'CKTESTKEY00000000004', secretKey: 's4', email: 'CAROL@example.com' })).toBe('email-taken');
    expect(repo.create('dave', { accessKey: 'CKTESTKEY00000000003', secretKey: 's4' })).toBe('key-taken');
  });

  it('stores secrets sealed with the instance key (0600), never in plaintext, and seals old plaintext rows', () => {
    const repo = new AccountsRepo(serverDb, box);
    repo.create('erin', { accessKey: 'CKTESTKEY00000000005', secretKey: 'plain-secret-never-stored' });
    const row = serverDb.prepare('SELECT secret FROM access_keys WHERE access_key = ?').get('CKTESTKEY00000000005') as { secret: string };
    expect(row.secret).not.toContain('plain-secret-never-stored');
    expect(row.secret.startsWith('v1:')).toBe(true);
    expect(statSync(join(dir, 'keys', 'instance.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'cairn.db')).includes('plain-secret-never-stored')).toBe(false);
    // A row from before sealing (plaintext) is sealed at open.
    serverDb.prepare('UPDATE access_keys SET secret = ? WHERE access_key = ?').run('old-plain', 'CKTESTKEY00000000005');
    expect(repo.sealPlaintextSecrets()).toBe(1);
    repo.invalidate();
    expect(repo.findKey('CKTESTKEY00000000005')?.secret).toBe('old-plain');
    // Bound to its key id: moved to another row it does not open.
    const sealed = (serverDb.prepare('SELECT secret FROM access_keys WHERE access_key = ?').get('CKTESTKEY00000000005') as { secret: string }).secret;
    expect(box.open(sealed, 'CKTESTKEY00000000006')).toBeUndefined();
  });
});
