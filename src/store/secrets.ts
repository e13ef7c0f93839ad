/**
 * Secrets at rest: access-key secrets (and the session tokens STS issues) are
 * sealed with the instance key, 32 random bytes in `<data>/keys/instance.key`
 * (mode 0600, created on first use). AES-256-GCM from node:crypto; the
 * associated data binds a sealed value to what it belongs to (an access key
 * id), so a sealed secret moved to another row does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { FILE_MODE, INSTANCE_KEY_FILE, KEYS_DIR, makePrivateDir } from './modes.js';

const VERSION = 'v1';

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the instance key must be 32 bytes');
  }

  /** Reads the instance key of a data directory, creating it (0600, in keys/ 0700) the first time. */
  static open(dataDir: string): SecretBox {
    const dir = join(dataDir, KEYS_DIR);
    makePrivateDir(dir);
    const path = join(dir, INSTANCE_KEY_FILE);
    try {
      return new SecretBox(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const key = randomBytes(32);
    let fd: number;
    try {
      fd = openSync(path, 'wx', FILE_MODE);
    } catch (e) {
      // Another process (the CLI beside the server) created it meanwhile.
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return new SecretBox(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64'));
      throw e;
    }
    try {
      fchmodSync(fd, FILE_MODE);
      writeSync(fd, `${key.toString('base64')}\n`);
    } finally {
      closeSync(fd);
    }
    return new SecretBox(key);
  }

  /** Is this a sealed value (as opposed to a legacy plaintext secret)? */
  static isSealed(v: string): boolean {
    return v.startsWith(`${VERSION}:`);
  }

  seal(plaintext: string | Buffer, aad: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    return `${VERSION}:${Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64url')}`;
  }

  /** The plaintext of a sealed value; undefined when it does not open (wrong key, tampered, other aad). */
  open(sealed: string, aad: string): Buffer | undefined {
    if (!SecretBox.isSealed(sealed)) return undefined;
    const raw = Buffer.from(sealed.slice(VERSION.length + 1), 'base64url');
    if (raw.length < 28) return undefined;
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      d.setAAD(Buffer.from(aad, 'utf8'));
      d.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]);
    } catch {
      return undefined;
    }
  }
}
