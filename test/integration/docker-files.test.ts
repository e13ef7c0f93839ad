/**
 * What can be checked of docker/ without a Docker engine: the image's
 * HEALTHCHECK runs `cairn healthcheck`; docker/compose.https.yaml mounts the
 * certificate where CAIRN_TLS_CERT / CAIRN_TLS_KEY point, sets a metrics
 * token and only settings Cairn knows; docker/prometheus.yml scrapes
 * /-/metrics over HTTPS with the bearer token and the mounted CA.
 * (YAML parsed with Debian's python3-yaml, which awscli depends on; skipped without it.)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOCKER = join(ROOT, 'docker');
const hasYaml = spawnSync('/usr/bin/python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0;

function yaml(path: string): unknown {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

describe('docker/', () => {
  it("the image tunes malloc as package.json's start script does", () => {
    const df = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8');
    const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
    const settings = [...start.matchAll(/\b(MALLOC_[A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as const);
    expect(settings.map(([k]) => k)).toEqual(['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_']);
    for (const [k, v] of settings) expect(df, k).toMatch(new RegExp(`^\\s+${k}=${v} \\\\$`, 'm'));
    // exec: the server is the process npm (or the soak benchmark) started, with that PID, and gets its signals.
    expect(start).toMatch(/ exec node dist\/cli\.js serve$/);
  });

  it("the image's HEALTHCHECK uses cairn healthcheck (no curl in the image)", () => {
    const df = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8');
    expect(df).toMatch(/HEALTHCHECK [^\n]*\\\n\s+CMD \["node", "dist\/cli\.js", "healthcheck"\]/);
    expect(df).toMatch(/apt-get install -y --no-install-recommends openssl/);
  });

  it.skipIf(!hasYaml)('compose.https.yaml mounts the certificate, sets a metrics token and only known settings; prometheus.yml scrapes /-/metrics', () => {
    type Service = { environment: Record<string, string>; volumes: string[]; stop_grace_period?: string };
    const compose = yaml(join(DOCKER, 'compose.https.yaml')) as { services: Record<string, Service> };
    const cairn = compose.services.cairn!;
    const env = cairn.environment;
    expect(env.CAIRN_TLS_CERT).toBe('/certs/tls/cert.pem');
    expect(env.CAIRN_TLS_KEY).toBe('/certs/tls/key.pem');
    expect(env.CAIRN_METRICS_TOKEN).toMatch(/^\$\{CAIRN_METRICS_TOKEN:\?/);
    expect(cairn.volumes).toContain('./certs:/certs:ro');
    // Every CAIRN_* variable is one Cairn knows (an entry of config.ts's ENV table).
    const known = Object.keys(env).filter((k) => k.startsWith('CAIRN_'));
    const src = readFileSync(join(ROOT, 'src', 'config.ts'), 'utf8');
    for (const k of known) expect(src, k).toContain(`${k}:`);
    expect(Number.parseInt(cairn.stop_grace_period ?? '0', 10)).toBeGreaterThan(30);
    const prom = compose.services.prometheus!;
    expect(prom.volumes).toEqual(expect.arrayContaining(['./prometheus.yml:/etc/prometheus/prometheus.yml:ro']));

    const p = yaml(join(DOCKER, 'prometheus.yml')) as { scrape_configs: Array<Record<string, unknown>> };
    const job = p.scrape_configs.find((j) => j.job_name === 'cairn')!;
    expect(job).toMatchObject({
      scheme: 'https',
      metrics_path: '/-/metrics',
      authorization: { type: 'Bearer', credentials_file: '/etc/prometheus/cairn-metrics-token' },
      tls_config: { ca_file: '/etc/prometheus/cairn-ca.pem' },
      static_configs: [{ targets: ['cairn:9000'] }],
    });
    // The files Prometheus reads are the ones compose mounts.
    expect(prom.volumes).toEqual(
      expect.arrayContaining(['./cairn-ca.pem:/etc/prometheus/cairn-ca.pem:ro', './metrics-token:/etc/prometheus/cairn-metrics-token:ro']),
    );
  });
});
