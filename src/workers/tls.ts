/**
 * The HTTPS listener's certificate: read from CAIRN_TLS_CERT / CAIRN_TLS_KEY
 * at start, and again when either file changes (polled, which follows
 * certbot's symlink swaps) or on SIGHUP. A new pair is checked (it must load
 * and match) before `setSecureContext` installs it: connections already open
 * keep theirs, new ones get the new certificate; a bad pair is logged and
 * the old one kept.
 */
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type Server as TlsServer } from 'node:tls';
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import type { Logger } from 'pino';
import type { TlsOptions } from '../app.js';

export interface CertInfo {
  subject: string;
  validTo: string;
  fingerprint256: string;
}

/** Reads and checks a certificate and key pair (throws with the reason). */
export function loadTls(certPath: string, keyPath: string): TlsOptions & { info: CertInfo } {
  const cert = readFileSync(certPath);
  const key = readFileSync(keyPath);
  // Throws on unreadable PEM and on a key that is not the certificate's.
  createSecureContext({ cert, key });
  const x = new X509Certificate(cert);
  return { cert, key, info: { subject: x.subject.replace(/\n/g, ', '), validTo: x.validTo, fingerprint256: x.fingerprint256 } };
}

export class TlsReloader {
  private current: CertInfo;
  private stopped = false;
  /** Reloads done (tests and metrics read it). */
  reloads = 0;

  constructor(
    private readonly certPath: string,
    private readonly keyPath: string,
    private readonly server: TlsServer,
    private readonly log: Logger,
    first: CertInfo,
  ) {
    this.current = first;
  }

  /** Loads the files again and installs them when they form a valid pair that differs from the current one. */
  reload(why: string): boolean {
    let next: ReturnType<typeof loadTls>;
    try {
      next = loadTls(this.certPath, this.keyPath);
    } catch (e) {
      this.log.error({ err: (e as Error).message, cert: this.certPath, key: this.keyPath, why }, 'TLS certificate not reloaded: keeping the current one');
      return false;
    }
    if (next.info.fingerprint256 === this.current.fingerprint256 && why !== 'SIGHUP') return false;
    this.server.setSecureContext({ cert: next.cert, key: next.key });
    this.current = next.info;
    this.reloads++;
    this.log.info({ why, subject: next.info.subject, validTo: next.info.validTo, fingerprint256: next.info.fingerprint256 }, 'TLS certificate reloaded');
    return true;
  }

  /** Polls both files every `intervalMs`; returns a stop function. */
  watch(intervalMs = 2000): () => void {
    const onChange = (cur: Stats, prev: Stats) => {
      if (this.stopped || (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size && cur.ino === prev.ino)) return;
      this.reload('file changed');
    };
    watchFile(this.certPath, { interval: intervalMs, persistent: false }, onChange);
    watchFile(this.keyPath, { interval: intervalMs, persistent: false }, onChange);
    return () => {
      this.stopped = true;
      unwatchFile(this.certPath, onChange);
      unwatchFile(this.keyPath, onChange);
    };
  }

  get certificate(): CertInfo {
    return this.current;
  }
}
