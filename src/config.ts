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
  /** Smallest size of a multipart part other than the last (5 MiB, as on AWS; smaller only as a testing aid). */
  readonly minPartSize: number;
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
  /** All four Block Public Access flags on every bucket, whatever its own configuration says. */
  readonly blockPublicAccess: boolean;
  /** What new buckets get: 'acls' (ObjectWriter, ACLs enabled, no Block Public Access) or 'aws' (AWS's 2023 defaults: BucketOwnerEnforced, all four Block Public Access flags on). */
  readonly bucketDefaults: 'acls' | 'aws';
  /** The length of a lifecycle "day" in seconds (86400; shorter only as a testing aid). */
  readonly lifecycleDaySeconds: number;
  /** How often the lifecycle worker looks for due work. */
  readonly lifecycleIntervalSeconds: number;
  /** Domains static websites are served on: Host `photos.<domain>` is bucket photos's website endpoint. */
  readonly websiteDomains: readonly string[];
  /** Webhook targets bucket notifications may name (ARN `arn:cairn:sqs::<id>:webhook`). */
  readonly notificationTargets: readonly NotificationTargetConfig[];
  /** Most messages waiting per notification target; more are counted as overflow and logged, never silently dropped. */
  readonly notificationQueueSize: number;
  /** Longest wait between delivery attempts to a target that is down (the backoff doubles from 0.5 s up to this). */
  readonly notificationRetryMaxSeconds: number;
  /** Server access logging: buffered records are written as a log object at least this often (and every 1,000 records). */
  readonly serverAccessLogFlushSeconds: number;
  /** SSE-C requests must come over TLS (as AWS requires); false allows plain HTTP (a trusted LAN, a TLS-terminating proxy, tests). */
  readonly ssecRequireTls: boolean;
  // Operations (issue 16): process lifecycle, TLS, metrics, connection caps, scrubbing.
  /** SIGTERM/SIGINT: in-flight requests get this long to finish before their connections are closed. */
  readonly shutdownGraceSeconds: number;
  /** /-/ready answers 503 when the data directory's file system has less free space than this (MiB). */
  readonly minFreeMb: number;
  /** PEM certificate (chain) and key: when both are set, CAIRN_PORT serves HTTPS. */
  readonly tlsCert: string;
  readonly tlsKey: string;
  /** A plain-HTTP listener beside the HTTPS one (0: none; only with TLS). */
  readonly httpPort: number;
  /** Addresses or CIDR ranges whose X-Forwarded-Proto / X-Forwarded-For are believed. */
  readonly trustedProxies: readonly string[];
  /** Record metrics and serve /-/metrics (false: neither; for A/B measurements). */
  readonly metrics: boolean;
  /** Bearer token /-/metrics requires ('' with metricsPublic false: the endpoint answers 403). */
  readonly metricsToken: string;
  readonly metricsPublic: boolean;
  /** Also expose the figures under MinIO's metric names (minio_s3_requests_total, ...). */
  readonly metricsMinioCompat: boolean;
  /** Most header fields a request may carry (more: 400 RequestHeaderSectionTooLarge). */
  readonly maxHeaderCount: number;
  /** Most concurrent connections from one client address (0: no cap). */
  readonly maxConnectionsPerClient: number;
  /** Background scrub every this many days (0: never). */
  readonly scrubIntervalDays: number;
  /** The background scrub reads at most this many MiB per second. */
  readonly scrubMbPerSecond: number;
  /** Serve the web console at /-/console/ (CAIRN_CONSOLE=false turns it off). */
  readonly console: boolean;
}

/** A webhook target: messages are POSTed as JSON to `url`, with `Authorization: <authHeader>` when set. */
export interface NotificationTargetConfig {
  readonly id: string;
  readonly url: string;
  readonly authHeader?: string;
  /** Verify the target's TLS certificate (default true). */
  readonly tlsVerify: boolean;
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
  CAIRN_BLOCK_PUBLIC_ACCESS: 'blockPublicAccess',
  CAIRN_BUCKET_DEFAULTS: 'bucketDefaults',
  CAIRN_LIFECYCLE_DAY_SECONDS: 'lifecycleDaySeconds',
  CAIRN_LIFECYCLE_INTERVAL_SECONDS: 'lifecycleIntervalSeconds',
  CAIRN_WEBSITE_DOMAINS: 'websiteDomains',
  CAIRN_NOTIFICATION_TARGETS: 'notificationTargets',
  CAIRN_NOTIFICATION_QUEUE_SIZE: 'notificationQueueSize',
  CAIRN_NOTIFICATION_RETRY_MAX_SECONDS: 'notificationRetryMaxSeconds',
  CAIRN_SERVER_ACCESS_LOG_FLUSH_SECONDS: 'serverAccessLogFlushSeconds',
  CAIRN_SSEC_REQUIRE_TLS: 'ssecRequireTls',
  // Operations (issue 16).
  CAIRN_MAX_HEADER_BYTES: 'maxHeaderBytes',
  CAIRN_SHUTDOWN_GRACE_SECONDS: 'shutdownGraceSeconds',
  CAIRN_MIN_FREE_MB: 'minFreeMb',
  CAIRN_TLS_CERT: 'tlsCert',
  CAIRN_TLS_KEY: 'tlsKey',
  CAIRN_HTTP_PORT: 'httpPort',
  CAIRN_TRUSTED_PROXIES: 'trustedProxies',
  CAIRN_METRICS: 'metrics',
  CAIRN_METRICS_TOKEN: 'metricsToken',
  CAIRN_METRICS_PUBLIC: 'metricsPublic',
  CAIRN_METRICS_MINIO_COMPAT: 'metricsMinioCompat',
  CAIRN_MAX_HEADER_COUNT: 'maxHeaderCount',
  CAIRN_MAX_CONNECTIONS_PER_CLIENT: 'maxConnectionsPerClient',
  CAIRN_SCRUB_INTERVAL_DAYS: 'scrubIntervalDays',
  CAIRN_SCRUB_MB_PER_SECOND: 'scrubMbPerSecond',
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

const TARGET_ID_RE = /^[A-Za-z0-9_.-]{1,64}$/;

/** `notificationTargets`: a JSON array (a string from CAIRN_NOTIFICATION_TARGETS) of { id, url, authHeader?, tlsVerify? }. */
function parseNotificationTargets(name: string, v: unknown): NotificationTargetConfig[] {
  let list = v;
  if (typeof v === 'string') {
    try {
      list = JSON.parse(v) as unknown;
    } catch {
      throw new ConfigError(`${name}: expected a JSON array of targets`);
    }
  }
  if (!Array.isArray(list)) throw new ConfigError(`${name}: expected an array of { "id", "url", "authHeader"?, "tlsVerify"? }`);
  const seen = new Set<string>();
  return list.map((t: unknown, i) => {
    if (!t || typeof t !== 'object' || Array.isArray(t)) throw new ConfigError(`${name}[${i}]: expected an object`);
    const o = t as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!['id', 'url', 'authHeader', 'tlsVerify'].includes(k)) throw new ConfigError(`${name}[${i}]: unknown key "${k}"`);
    const id = str(`${name}[${i}].id`, o.id);
    if (!TARGET_ID_RE.test(id)) throw new ConfigError(`${name}[${i}].id: 1 to 64 characters of A-Z a-z 0-9 _ . -`);
    if (seen.has(id)) throw new ConfigError(`${name}[${i}].id: "${id}" is defined twice`);
    seen.add(id);
    const url = str(`${name}[${i}].url`, o.url);
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new ConfigError(`${name}[${i}].url: "${url}" is not a URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`${name}[${i}].url: must be an http or https URL`);
    const authHeader = o.authHeader === undefined ? undefined : str(`${name}[${i}].authHeader`, o.authHeader);
    const tlsVerify = o.tlsVerify === undefined ? true : bool(`${name}[${i}].tlsVerify`, o.tlsVerify);
    return Object.freeze({ id, url, authHeader, tlsVerify });
  });
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
  const known = new Set<string>([...Object.values(ENV), 'maxObjectSize', 'maxPutObjectSize', 'minPartSize', 'tempMaxAgeSeconds', 'maxHeaderBytes']);
  for (const k of Object.keys(raw)) {
    if (!known.has(k)) throw new ConfigError(`${whereOf[k] ?? k}: unknown setting`);
  }
  const w = (k: keyof Config) => whereOf[k] ?? k;

  const domainsRaw = raw.domains ?? [];
  const domains = (typeof domainsRaw === 'string' ? domainsRaw.split(',') : Array.isArray(domainsRaw) ? domainsRaw : [domainsRaw])
    .map((d) => str(w('domains'), d).trim().toLowerCase())
    .filter((d) => d !== '');
  for (const d of domains) if (!DOMAIN_RE.test(d)) throw new ConfigError(`${w('domains')}: "${d}" is not a valid domain name`);

  const websiteRaw = raw.websiteDomains ?? [];
  const websiteDomains = (typeof websiteRaw === 'string' ? websiteRaw.split(',') : Array.isArray(websiteRaw) ? websiteRaw : [websiteRaw])
    .map((d) => str(w('websiteDomains'), d).trim().toLowerCase())
    .filter((d) => d !== '');
  for (const d of websiteDomains) {
    if (!DOMAIN_RE.test(d)) throw new ConfigError(`${w('websiteDomains')}: "${d}" is not a valid domain name`);
    if (domains.includes(d)) throw new ConfigError(`${w('websiteDomains')}: "${d}" is also in CAIRN_DOMAINS; a domain serves either the S3 API or websites`);
  }
  // The longest first, so that a.web.example.com is bucket a of web.example.com even when example.com is a website domain too.
  websiteDomains.sort((a, b) => b.length - a.length);

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

  const bucketDefaults = str(w('bucketDefaults'), raw.bucketDefaults ?? 'acls');
  if (bucketDefaults !== 'acls' && bucketDefaults !== 'aws') throw new ConfigError(`${w('bucketDefaults')}: expected "acls" or "aws", got "${bucketDefaults}"`);

  const dataDir = str(w('dataDir'), raw.dataDir ?? './data');
  if (dataDir.trim() === '') throw new ConfigError(`${w('dataDir')}: must not be empty`);

  const notificationTargets = parseNotificationTargets(w('notificationTargets'), raw.notificationTargets ?? []);

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
    minPartSize: int(w('minPartSize'), raw.minPartSize ?? 5 * 1024 * 1024, 0, 5 * 1024 ** 3),
    sweepIntervalSeconds: int(w('sweepIntervalSeconds'), raw.sweepIntervalSeconds ?? 600, 1, 86400 * 7),
    tempMaxAgeSeconds: int(w('tempMaxAgeSeconds'), raw.tempMaxAgeSeconds ?? 3600, 1, 86400 * 30),
    multipartExpirySeconds: int(w('multipartExpirySeconds'), raw.multipartExpirySeconds ?? 7 * 86400, 60, 86400 * 3650),
    bodyTimeoutSeconds: int(w('bodyTimeoutSeconds'), raw.bodyTimeoutSeconds ?? 20, 0, 3600),
    headerTimeoutSeconds: int(w('headerTimeoutSeconds'), raw.headerTimeoutSeconds ?? 20, 1, 3600),
    keepAliveTimeoutSeconds: int(w('keepAliveTimeoutSeconds'), raw.keepAliveTimeoutSeconds ?? 15, 1, 3600),
    maxHeaderBytes: int(w('maxHeaderBytes'), raw.maxHeaderBytes ?? 16384, 4096, 1024 * 1024),
    blockPublicAccess: bool(w('blockPublicAccess'), raw.blockPublicAccess ?? false),
    bucketDefaults,
    lifecycleDaySeconds: int(w('lifecycleDaySeconds'), raw.lifecycleDaySeconds ?? 86400, 1, 86400),
    lifecycleIntervalSeconds: int(w('lifecycleIntervalSeconds'), raw.lifecycleIntervalSeconds ?? 300, 1, 86400),
    websiteDomains,
    notificationTargets,
    notificationQueueSize: int(w('notificationQueueSize'), raw.notificationQueueSize ?? 100000, 1, 100_000_000),
    notificationRetryMaxSeconds: int(w('notificationRetryMaxSeconds'), raw.notificationRetryMaxSeconds ?? 300, 1, 86400),
    serverAccessLogFlushSeconds: int(w('serverAccessLogFlushSeconds'), raw.serverAccessLogFlushSeconds ?? 300, 1, 86400),
    ssecRequireTls: bool(w('ssecRequireTls'), raw.ssecRequireTls ?? true),
    ...operationsSettings(raw, w),
    console: bool(w('console'), raw.console ?? true),
  };
  if ((cfg.tlsCert === '') !== (cfg.tlsKey === ''))
    throw new ConfigError(`${cfg.tlsCert === '' ? 'CAIRN_TLS_CERT' : 'CAIRN_TLS_KEY'}: set both CAIRN_TLS_CERT and CAIRN_TLS_KEY, or neither`);
  if (cfg.httpPort !== 0 && cfg.tlsCert === '')
    throw new ConfigError(`${w('httpPort')}: a second plain-HTTP listener needs CAIRN_TLS_CERT and CAIRN_TLS_KEY (without them CAIRN_PORT is plain HTTP)`);
  return Object.freeze({
    ...cfg,
    domains: Object.freeze([...domains]),
    websiteDomains: Object.freeze([...websiteDomains]),
    trustedProxies: Object.freeze([...cfg.trustedProxies]),
  });
}

const PROXY_RE = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]+)(\/\d{1,3})?$/i;

/** The operations settings (issue 16): lifecycle, TLS, metrics, connection caps, scrubbing. */
function operationsSettings(raw: Record<string, unknown>, w: (k: keyof Config) => string) {
  const list = (k: keyof Config): string[] => {
    const v = raw[k] ?? [];
    return (typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : [v]).map((x) => str(w(k), x).trim()).filter((x) => x !== '');
  };
  const trustedProxies = list('trustedProxies');
  for (const p of trustedProxies) if (!PROXY_RE.test(p)) throw new ConfigError(`${w('trustedProxies')}: "${p}" is not an IP address or CIDR range`);
  return {
    shutdownGraceSeconds: int(w('shutdownGraceSeconds'), raw.shutdownGraceSeconds ?? 30, 0, 3600),
    minFreeMb: int(w('minFreeMb'), raw.minFreeMb ?? 512, 0, Number.MAX_SAFE_INTEGER),
    tlsCert: raw.tlsCert === undefined ? '' : resolveIf(str(w('tlsCert'), raw.tlsCert)),
    tlsKey: raw.tlsKey === undefined ? '' : resolveIf(str(w('tlsKey'), raw.tlsKey)),
    httpPort: int(w('httpPort'), raw.httpPort ?? 0, 0, 65535),
    trustedProxies,
    metrics: bool(w('metrics'), raw.metrics ?? true),
    metricsToken: str(w('metricsToken'), raw.metricsToken ?? ''),
    metricsPublic: bool(w('metricsPublic'), raw.metricsPublic ?? false),
    metricsMinioCompat: bool(w('metricsMinioCompat'), raw.metricsMinioCompat ?? false),
    maxHeaderCount: int(w('maxHeaderCount'), raw.maxHeaderCount ?? 200, 20, 10000),
    maxConnectionsPerClient: int(w('maxConnectionsPerClient'), raw.maxConnectionsPerClient ?? 256, 0, 1_000_000),
    scrubIntervalDays: int(w('scrubIntervalDays'), raw.scrubIntervalDays ?? 0, 0, 3650),
    scrubMbPerSecond: int(w('scrubMbPerSecond'), raw.scrubMbPerSecond ?? 50, 1, 100_000),
  };
}

const resolveIf = (p: string) => (p.trim() === '' ? '' : resolve(p));
