/**
 * `cairn cert self-signed --host NAME [--host IP ...] [--days N] [--force]`:
 * a self-signed certificate (ECDSA P-256, the names as subject alternative
 * names) and its key in DATA/tls/, made with the openssl command (Node
 * cannot write X.509 certificates itself); prints the files, the settings
 * that use them and the SHA-256 fingerprint (what Proxmox Backup Server asks
 * to pin).
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { makePrivateDir } from '../store/modes.js';
import { CliError } from './admin.js';

export const TLS_DIR = 'tls';
export const CERT_USAGE = 'cairn cert self-signed --host NAME [--host NAME|IP ...] [--days N] [--force]';
const HOST_RE = /^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

export interface SelfSigned {
  cert: string;
  key: string;
  fingerprint256: string;
  validTo: string;
}

/** Writes DATA/tls/cert.pem and key.pem (0600) for `hosts` (DNS names and IP addresses). */
export function selfSigned(dataDir: string, hosts: string[], days = 825, force = false): SelfSigned {
  if (hosts.length === 0) throw new CliError(`at least one --host is needed (the names clients use to reach Cairn)\nusage: ${CERT_USAGE}`);
  for (const h of hosts) if (isIP(h) === 0 && !HOST_RE.test(h)) throw new CliError(`--host ${h}: not a DNS name or IP address`);
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new CliError('--days must be 1 to 3650');
  makePrivateDir(dataDir, true);
  const dir = join(dataDir, TLS_DIR);
  makePrivateDir(dir);
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  if (!force && (existsSync(cert) || existsSync(key))) throw new CliError(`${cert} already exists (--force replaces it)`);
  const san = hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  const work = mkdtempSync(join(dir, '.new-'));
  try {
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          join(work, 'key.pem'),
          '-out',
          join(work, 'cert.pem'),
          '-days',
          String(days),
          '-subj',
          `/CN=${hosts[0]}`,
          '-addext',
          `subjectAltName=${san}`,
          '-addext',
          'basicConstraints=critical,CA:FALSE',
          '-addext',
          'keyUsage=critical,digitalSignature',
          '-addext',
          'extendedKeyUsage=serverAuth',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
      if (err.code === 'ENOENT') throw new CliError('the openssl command is needed to make a certificate (apt-get install openssl)');
      throw new CliError(`openssl failed: ${err.stderr?.toString().trim() ?? err.message}`);
    }
    chmodSync(join(work, 'key.pem'), 0o600);
    chmodSync(join(work, 'cert.pem'), 0o600);
    renameSync(join(work, 'key.pem'), key);
    renameSync(join(work, 'cert.pem'), cert);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const x = new X509Certificate(readFileSync(cert));
  return { cert, key, fingerprint256: x.fingerprint256, validTo: x.validTo };
}
