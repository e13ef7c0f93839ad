/**
 * Listing pages over a key-ordered range scan: prefix, delimiter, resume
 * point and page size, with CommonPrefixes rolled up and skipped by seeking
 * (never by reading every key under a prefix). The cost of a page is
 * O(maxKeys) index seeks, whatever the bucket size.
 */

export interface Scannable {
  key: Buffer;
}

/** Reads up to `limit` entries with from <= key < to, in key (byte) order. */
export type ScanFn<T extends Scannable> = (from: Buffer, to: Buffer | undefined, limit: number) => T[];

export interface PageRequest {
  prefix: string;
  delimiter: string;
  /** Resume after this key (exclusive); a common prefix resumes after its whole group. */
  after?: string;
  maxKeys: number;
}

export interface Page<T> {
  contents: T[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned: the marker for the next page. */
  last?: string;
}

const ZERO = Buffer.from([0]);

/** Rows read per scan when a delimiter may cut the batch short. */
export const DELIMITED_BATCH = 32;

/** The smallest key strictly greater than `k`. */
export function successor(k: Buffer): Buffer {
  return Buffer.concat([k, ZERO]);
}

/** The smallest key greater than every key starting with `p`; undefined when there is none. */
export function prefixEnd(p: Buffer): Buffer | undefined {
  for (let i = p.length - 1; i >= 0; i--) {
    if (p[i]! < 0xff) {
      const out = Buffer.from(p.subarray(0, i + 1));
      out[i] = p[i]! + 1;
      return out;
    }
  }
  return undefined;
}

/** The common prefix `key` rolls up into, or undefined. */
function rollUp(key: string, prefix: string, delimiter: string): string | undefined {
  if (delimiter === '') return undefined;
  const i = key.indexOf(delimiter, prefix.length);
  return i < 0 ? undefined : key.slice(0, i + delimiter.length);
}

export function listPage<T extends Scannable>(scan: ScanFn<T>, req: PageRequest): Page<T> {
  const { prefix, delimiter, maxKeys } = req;
  const prefixBuf = Buffer.from(prefix, 'utf8');
  const end = prefix === '' ? undefined : prefixEnd(prefixBuf);
  let cursor: Buffer | undefined = prefixBuf;
  if (req.after !== undefined && req.after !== '') {
    const afterBuf = Buffer.from(req.after, 'utf8');
    // A marker that is itself a common prefix skips its whole group.
    const group = req.after.startsWith(prefix) ? rollUp(req.after, prefix, delimiter) : undefined;
    const resume = group === req.after ? prefixEnd(afterBuf) : successor(afterBuf);
    if (resume === undefined) cursor = undefined;
    else if (Buffer.compare(resume, cursor) > 0) cursor = resume;
  }
  const page: Page<T> = { contents: [], commonPrefixes: [], isTruncated: false };
  if (maxKeys <= 0) return page;
  let count = 0;
  while (cursor !== undefined && (end === undefined || Buffer.compare(cursor, end) < 0)) {
    // With a delimiter a scan may stop at its first row (a common prefix, then a seek past it):
    // read in small batches so skipping a large prefix never materialises its keys.
    const want = Math.min(Math.max(maxKeys - count, 0) + 1, delimiter === '' ? 1001 : DELIMITED_BATCH);
    const rows = scan(cursor, end, want);
    if (rows.length === 0) break;
    let reseek = false;
    for (const row of rows) {
      if (count >= maxKeys) {
        page.isTruncated = true;
        return page;
      }
      const key = row.key.toString('utf8');
      const cp = rollUp(key, prefix, delimiter);
      if (cp !== undefined) {
        page.commonPrefixes.push(cp);
        page.last = cp;
        count++;
        cursor = prefixEnd(Buffer.from(cp, 'utf8'));
        reseek = true;
        break;
      }
      page.contents.push(row);
      page.last = key;
      count++;
      cursor = successor(row.key);
    }
    if (!reseek && rows.length < want) break;
  }
  if (count >= maxKeys && cursor !== undefined && (end === undefined || Buffer.compare(cursor, end) < 0)) {
    page.isTruncated = scan(cursor, end, 1).length > 0;
  }
  return page;
}
