import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/store/db.js';
import { KEY_RECHECK_MS, UsersRepo } from '../../src/store/users.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('UsersRepo access key cache', () => {
  let dir: string;
  let serverDb: Db;
  let cliDb: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-users-'));
    serverDb = openDb(join(dir, 'cairn.db'), 'NORMAL');
    cliDb = openDb(join(dir, 'cairn.db'), 'FULL');
  });
  afterEach(() => {
    serverDb.close();
    cliDb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees keys the CLI (another connection) creates and deletes within KEY_RECHECK_MS', async () => {
    const server = new UsersRepo(serverDb);
    const cli = new UsersRepo(cliDb);
    expect(server.findByAccessKey('CKTESTKEY00000000001')).toBeUndefined();
    cli.create('alice', 'CKTESTKEY00000000001', 'secret-1');
    await sleep(KEY_RECHECK_MS + 20);
    expect(server.findByAccessKey('CKTESTKEY00000000001')?.user.name).toBe('alice');
    expect(cli.deleteKey('CKTESTKEY00000000001')).toBe(true);
    await sleep(KEY_RECHECK_MS + 20);
    expect(server.findByAccessKey('CKTESTKEY00000000001')).toBeUndefined();
  });

  it("sees its own connection's changes at once", () => {
    const server = new UsersRepo(serverDb);
    expect(server.findByAccessKey('CKTESTKEY00000000002')).toBeUndefined();
    server.create('bob', 'CKTESTKEY00000000002', 'secret-2');
    expect(server.findByAccessKey('CKTESTKEY00000000002')?.secretKey).toBe('secret-2');
    server.deleteKey('CKTESTKEY00000000002');
    expect(server.findByAccessKey('CKTESTKEY00000000002')).toBeUndefined();
  });
});
