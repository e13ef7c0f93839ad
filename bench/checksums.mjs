#!/usr/bin/env node
// Checksum throughput: hashes 256 MiB fed in 1 MiB chunks with each algorithm and
// prints MiB/s. Plain node, run against the same libraries src/store/checksums.ts
// uses. CRC64NVME is hand-written in TypeScript there; it is measured from the
// compiled module when `npm run build` has produced dist/, next to the
// @aws-sdk/crc64-nvme reference.
//
//   node bench/checksums.mjs [totalMiB]
import { createHash, randomFillSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32 as rsCrc32, crc32c as rsCrc32c } from '@node-rs/crc32';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';

const CHUNK = 1 << 20;
const TOTAL_MIB = Number(process.argv[2] ?? 256);
// A 32 MiB pool of distinct random chunks, cycled, so the data is not all in cache.
const POOL = Array.from({ length: Math.min(32, TOTAL_MIB) }, () => randomFillSync(Buffer.allocUnsafe(CHUNK)));

function measure(name, make) {
  // Warm-up so the JIT and any lazy tables are ready.
  const warm = make();
  for (let i = 0; i < 4; i++) warm.update(POOL[i % POOL.length]);
  warm.digest();

  const h = make();
  const start = process.hrtime.bigint();
  for (let i = 0; i < TOTAL_MIB; i++) h.update(POOL[i % POOL.length]);
  const digest = h.digest();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = TOTAL_MIB / seconds;
  console.log(`${name.padEnd(32)} ${rate.toFixed(0).padStart(7)} MiB/s   ${Buffer.from(digest).toString('hex').slice(0, 16)}`);
}

function u32(v) {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

const nodeHash = (alg) => () => {
  const h = createHash(alg);
  return { update: (c) => h.update(c), digest: () => h.digest() };
};

async function loadCairn() {
  for (const p of ['../dist/digest/checksums.js', '../dist/src/digest/checksums.js']) {
    const url = new URL(p, import.meta.url);
    if (existsSync(url)) return import(url.href);
  }
  return undefined;
}

console.log(`node ${process.version}, ${TOTAL_MIB} MiB in 1 MiB chunks`);
measure('CRC32 (node:zlib)', () => {
  let v = 0;
  return {
    update: (c) => {
      v = zlibCrc32(c, v);
    },
    digest: () => u32(v),
  };
});
measure('CRC32 (@node-rs/crc32)', () => {
  let v = 0;
  return {
    update: (c) => {
      v = rsCrc32(c, v);
    },
    digest: () => u32(v),
  };
});
measure('CRC32C (@node-rs/crc32)', () => {
  let v = 0;
  return {
    update: (c) => {
      v = rsCrc32c(c, v);
    },
    digest: () => u32(v),
  };
});

const cairn = await loadCairn();
if (cairn) {
  measure('CRC64NVME (cairn slice-by-16)', () => cairn.createHasher('CRC64NVME'));
} else {
  console.log(`${'CRC64NVME (cairn slice-by-16)'.padEnd(32)}       -   (run \`npm run build\` first)`);
}
{
  // @aws-sdk/crc64-nvme's digest() is async; time the updates and await the digest.
  const warm = new Crc64Nvme();
  for (let i = 0; i < 4; i++) warm.update(POOL[i % POOL.length]);
  await warm.digest();
  const h = new Crc64Nvme();
  const start = process.hrtime.bigint();
  for (let i = 0; i < TOTAL_MIB; i++) h.update(POOL[i % POOL.length]);
  const digest = await h.digest();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(
    `${'CRC64NVME (@aws-sdk/crc64-nvme)'.padEnd(32)} ${(TOTAL_MIB / seconds).toFixed(0).padStart(7)} MiB/s   ${Buffer.from(digest).toString('hex').slice(0, 16)}`,
  );
}
measure('SHA1 (node:crypto)', nodeHash('sha1'));
measure('SHA256 (node:crypto)', nodeHash('sha256'));
measure('MD5 (node:crypto)', nodeHash('md5'));
