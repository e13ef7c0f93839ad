import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly region: string;
  readonly domains: readonly string[];
  readonly accessKey?: string;
  readonly secretKey?: string;
  readonly logLevel: string;
  readonly fsync: boolean;
  /** Base URL clients reach Cairn on (for URLs Cairn itself generates); '' = derive from the request. */
  readonly publicUrl: string;
  readonly maxObjectSize: number;
  readonly maxPutObjectSize: number;
  readonly sweepIntervalSeconds: number;
  readonly tempMaxAgeSeconds: number;
  /** Multipart uploads left open longer than this are aborted by the background worker. */
  readonly multipartExpirySeconds: number;
  /** A request body that sends nothing for this long is answered 400 RequestTimeout (0: never). */
  readonly bodyTimeoutSeconds: number;
  /** A client must send its whole request header within this time. */
  readonly headerTimeoutSeconds: number;
  /** An idle keep-alive connection is closed after this time. */
  readonly keepAliveTimeoutSeconds: number;
  /** Largest request header section, in bytes (larger: 400 RequestHeaderSectionTooLarge). */
  readonly maxHeaderBytes: number;
  /** Serve the web console at /-/console/ (CAIRN_CONSOLE=false turns it off). */
  readonly console: boolean;
}

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Environment variables and the config key each one sets. */
const ENV: Record<string, keyof Config> = {
  CAIRN_HOST: 'host',
  CAIRN_PORT: 'port',
  CAIRN_DATA_DIR: 'dataDir',
  CAIRN_REGION: 'region',
  CAIRN_DOMAINS: 'domains',
  CAIRN_ACCESS_KEY: 'accessKey',
  CAIRN_SECRET_KEY: 'secretKey',
  CAIRN_LOG_LEVEL: 'logLevel',
  CAIRN_FSYNC: 'fsync',
  CAIRN_PUBLIC_URL: 'publicUrl',
  CAIRN_SWEEP_INTERVAL_SECONDS: 'sweepIntervalSeconds',
  CAIRN_MULTIPART_EXPIRY_SECONDS: 'multipartExpirySeconds',
  CAIRN_BODY_TIMEOUT_SECONDS: 'bodyTimeoutSeconds',
  CAIRN_HEADER_TIMEOUT_SECONDS: 'headerTimeoutSeconds',
  CAIRN_KEEPALIVE_TIMEOUT_SECONDS: 'keepAliveTimeoutSeconds',
  CAIRN_CONSOLE: 'console',
};

function packageRoot(): string {
  // dist/config.js or src/config.ts: the package root is one level up.
  return resolve(dirname(fileURLToPath(import.meta.url)), '..');
}

function readJson(path: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${what}: cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`${what}: ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

function bool(name: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (['1', 'true', 'on', 'yes'].includes(s)) return true;
    if (['0', 'false', 'off', 'no'].includes(s)) return false;
  }
  throw new ConfigError(`${name}: expected on/off (true/false), got ${JSON.stringify(v)}`);
}

function int(name: string, v: unknown, min: number, max: number): number {
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return n;
}

function str(name: string, v: unknown): string {
  if (typeof v !== 'string') throw new ConfigError(`${name}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

const DOMAIN_RE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const REGION_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Access key ids the server can authenticate (SigV4 credential scopes, SigV2 headers, presigned queries). */
export const ACCESS_KEY_RE = /^[A-Za-z0-9._~+/=-]{3,128}$/;
export const SECRET_KEY_MIN = 8;
export const SECRET_KEY_MAX = 256;

/** Why an access key id is refused (undefined when it is fine): the one rule for settings and the CLI. */
export function accessKeyProblem(accessKey: string): string | undefined {
  return ACCESS_KEY_RE.test(accessKey) ? undefined : '3 to 128 characters of A-Z a-z 0-9 . _ ~ + / = -';
}

/** Why a secret key is refused (undefined when it is fine). */
export function secretKeyProblem(secretKey: string): string | undefined {
  return secretKey.length >= SECRET_KEY_MIN && secretKey.length <= SECRET_KEY_MAX ? undefined : `must be ${SECRET_KEY_MIN} to ${SECRET_KEY_MAX} characters`;
}

/**
 * Loads config/default.json, then the file named by CAIRN_CONFIG, then the
 * environment; validates everything and returns a frozen Config. Any bad
 * setting throws a ConfigError whose message names it, in one line.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<keyof Config, unknown>> = {}): Config {
  const raw: Record<string, unknown> = { ...readJson(join(packageRoot(), 'config', 'default.json'), 'config/default.json') };
  const whereOf: Record<string, string> = {};
  for (const k of Object.keys(raw)) whereOf[k] = `config/default.json "${k}"`;
  if (env.CAIRN_CONFIG) {
    const file = readJson(resolve(env.CAIRN_CONFIG), 'CAIRN_CONFIG');
    for (const [k, v] of Object.entries(file)) {
      raw[k] = v;
      whereOf[k] = `${env.CAIRN_CONFIG} "${k}"`;
    }
  }
  for (const [name, key] of Object.entries(ENV)) {
    const v = env[name];
    if (v !== undefined && v !== '') {
      raw[key] = v;
      whereOf[key] = name;
    }
  }
  Object.assign(raw, overrides);
  const known = new Set<string>([...Object.values(ENV), 'maxObjectSize', 'maxPutObjectSize', 'tempMaxAgeSeconds', 'maxHeaderBytes']);
  for (const k of Object.keys(raw)) {
    if (!known.has(k)) throw new ConfigError(`${whereOf[k] ?? k}: unknown setting`);
  }
  const w = (k: keyof Config) => whereOf[k] ?? k;

  const domainsRaw = raw.domains ?? [];
  const domains = (typeof domainsRaw === 'string' ? domainsRaw.split(',') : Array.isArray(domainsRaw) ? domainsRaw : [domainsRaw])
    .map((d) => str(w('domains'), d).trim().toLowerCase())
    .filter((d) => d !== '');
  for (const d of domains) if (!DOMAIN_RE.test(d)) throw new ConfigError(`${w('domains')}: "${d}" is not a valid domain name`);

  const region = str(w('region'), raw.region ?? 'us-east-1');
  if (!REGION_RE.test(region)) throw new ConfigError(`${w('region')}: "${region}" is not a valid region name`);

  const logLevel = str(w('logLevel'), raw.logLevel ?? 'info');
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`${w('logLevel')}: expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);

  const accessKey = raw.accessKey === undefined ? undefined : str(w('accessKey'), raw.accessKey);
  const secretKey = raw.secretKey === undefined ? undefined : str(w('secretKey'), raw.secretKey);
  if ((accessKey === undefined) !== (secretKey === undefined)) {
    throw new ConfigError(`${accessKey === undefined ? 'CAIRN_ACCESS_KEY' : 'CAIRN_SECRET_KEY'}: set both CAIRN_ACCESS_KEY and CAIRN_SECRET_KEY, or neither`);
  }
  const akProblem = accessKey === undefined ? undefined : accessKeyProblem(accessKey);
  if (akProblem) throw new ConfigError(`${w('accessKey')}: ${akProblem}`);
  const skProblem = secretKey === undefined ? undefined : secretKeyProblem(secretKey);
  if (skProblem) throw new ConfigError(`${w('secretKey')}: ${skProblem}`);

  const publicUrl = str(w('publicUrl'), raw.publicUrl ?? '');
  if (publicUrl !== '') {
    let u: URL;
    try {
      u = new URL(publicUrl);
    } catch {
      throw new ConfigError(`${w('publicUrl')}: "${publicUrl}" is not a URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`${w('publicUrl')}: must be an http or https URL`);
  }

  const dataDir = str(w('dataDir'), raw.dataDir ?? './data');
  if (dataDir.trim() === '') throw new ConfigError(`${w('dataDir')}: must not be empty`);

  const cfg: Config = {
    host: str(w('host'), raw.host ?? '0.0.0.0'),
    port: int(w('port'), raw.port ?? 9000, 0, 65535),
    dataDir: resolve(dataDir),
    region,
    domains,
    accessKey,
    secretKey,
    logLevel,
    fsync: bool(w('fsync'), raw.fsync ?? true),
    publicUrl: publicUrl.replace(/\/+$/, ''),
    maxObjectSize: int(w('maxObjectSize'), raw.maxObjectSize ?? 5 * 1024 ** 4, 0, Number.MAX_SAFE_INTEGER),
    maxPutObjectSize: int(w('maxPutObjectSize'), raw.maxPutObjectSize ?? 5 * 1024 ** 3, 0, Number.MAX_SAFE_INTEGER),
    sweepIntervalSeconds: int(w('sweepIntervalSeconds'), raw.sweepIntervalSeconds ?? 600, 1, 86400 * 7),
    tempMaxAgeSeconds: int(w('tempMaxAgeSeconds'), raw.tempMaxAgeSeconds ?? 3600, 1, 86400 * 30),
    multipartExpirySeconds: int(w('multipartExpirySeconds'), raw.multipartExpirySeconds ?? 7 * 86400, 60, 86400 * 3650),
    bodyTimeoutSeconds: int(w('bodyTimeoutSeconds'), raw.bodyTimeoutSeconds ?? 20, 0, 3600),
    headerTimeoutSeconds: int(w('headerTimeoutSeconds'), raw.headerTimeoutSeconds ?? 20, 1, 3600),
    keepAliveTimeoutSeconds: int(w('keepAliveTimeoutSeconds'), raw.keepAliveTimeoutSeconds ?? 15, 1, 3600),
    maxHeaderBytes: int(w('maxHeaderBytes'), raw.maxHeaderBytes ?? 16384, 4096, 1024 * 1024),
    console: bool(w('console'), raw.console ?? true),
  };
  return Object.freeze({ ...cfg, domains: Object.freeze([...domains]) });
}
