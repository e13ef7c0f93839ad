/**
 * One listing pager for every S3 listing (ListObjects, ListObjectsV2,
 * ListObjectVersions, ListMultipartUploads): a page over a key-ordered scan,
 * with prefix, delimiter, resume point and page size, CommonPrefixes rolled up
 * and skipped by seeking (never by reading every key under a prefix). A page
 * costs O(maxKeys) index seeks whatever the bucket size.
 *
 * Rows are ordered by key (UTF-8 bytes), then by whatever a source orders
 * rows of one key by (a version's age, an upload's start): a source's cursor
 * says where a page stopped within a key.
 */

/** Where a listing reads its rows. */
export interface PageSource<T, C> {
  /**
   * Up to `limit` rows with from <= key < end (end undefined: no upper
   * bound), strictly after `after` when given (a cursor of a row this source
   * returned), in order.
   */
  scan(from: Buffer, end: Buffer | undefined, after: C | undefined, limit: number): T[];
  key(row: T): Buffer;
  cursor(row: T): C;
}

export interface PageRequest<C> {
  prefix: string;
  delimiter: string;
  maxKeys: number;
  /** Resume at this key (inclusive) or later. */
  from?: Buffer;
  /** Resume strictly after this row. */
  after?: C;
}

export interface PageOf<T> {
  /** Rows in order (versions and delete markers interleaved, uploads, objects). */
  rows: T[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last entry returned: a row, or a common prefix (the next page's marker). */
  last?: { prefix: string; row?: undefined } | { prefix?: undefined; row: T };
}

const ZERO = Buffer.from([0]);

/** Rows read per scan when a delimiter may cut the batch short. */
export const DELIMITED_BATCH = 32;

/**
 * Rows read per scan without a delimiter, and about how many rows a page
 * reads before it lets the event loop run: a 1,000-key page is four short
 * scans with other requests served between them, not one 4 ms block.
 */
export const SCAN_BATCH = 250;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

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
export function rollUp(key: string, prefix: string, delimiter: string): string | undefined {
  if (delimiter === '') return undefined;
  const i = key.indexOf(delimiter, prefix.length);
  return i < 0 ? undefined : key.slice(0, i + delimiter.length);
}

/**
 * Where a listing resumes after a marker key: a marker that is itself a
 * common prefix skips its whole group; `whole` (ListObjectVersions and
 * ListMultipartUploads without a second marker) skips every row of that key;
 * otherwise undefined (resume after the marker row by cursor).
 */
export function resumeAfterKey(marker: string, prefix: string, delimiter: string, whole: boolean): Buffer | 'end' | undefined {
  if (marker === '') return undefined;
  const m = Buffer.from(marker, 'utf8');
  if (marker.startsWith(prefix) && rollUp(marker, prefix, delimiter) === marker) return prefixEnd(m) ?? 'end';
  return whole ? successor(m) : undefined;
}

export async function pageOf<T, C>(src: PageSource<T, C>, req: PageRequest<C>): Promise<PageOf<T>> {
  const { prefix, delimiter, maxKeys } = req;
  const prefixBuf = Buffer.from(prefix, 'utf8');
  const end = prefix === '' ? undefined : prefixEnd(prefixBuf);
  const page: PageOf<T> = { rows: [], commonPrefixes: [], isTruncated: false };
  if (maxKeys <= 0) return page;
  let from: Buffer | undefined = req.from && Buffer.compare(req.from, prefixBuf) > 0 ? req.from : prefixBuf;
  let after = req.after;
  const before = (k: Buffer | undefined) => k !== undefined && (end === undefined || Buffer.compare(k, end) < 0);
  let count = 0;
  let read = 0;
  while (before(from)) {
    if (read >= SCAN_BATCH) {
      read = 0;
      await yieldToLoop();
    }
    // With a delimiter a scan may stop at its first row (a common prefix, then a seek past it):
    // read in small batches so skipping a large prefix never materialises its keys.
    const want = Math.min(maxKeys - count + 1, delimiter === '' ? SCAN_BATCH : DELIMITED_BATCH);
    const rows = src.scan(from!, end, after, want);
    if (rows.length === 0) break;
    read += rows.length;
    let reseek = false;
    for (const row of rows) {
      if (count >= maxKeys) {
        page.isTruncated = true;
        return page;
      }
      const cp = delimiter === '' ? undefined : rollUp(src.key(row).toString('utf8'), prefix, delimiter);
      if (cp !== undefined) {
        page.commonPrefixes.push(cp);
        page.last = { prefix: cp };
        count++;
        from = prefixEnd(Buffer.from(cp, 'utf8'));
        after = undefined;
        reseek = true;
        break;
      }
      page.rows.push(row);
      page.last = { row };
      count++;
      after = src.cursor(row);
    }
    if (!reseek && rows.length < want) break;
  }
  if (count >= maxKeys && before(from)) page.isTruncated = src.scan(from!, end, after, 1).length > 0;
  return page;
}

// ------------------------------------------------------------------ plain keys

export interface Scannable {
  key: Buffer;
}

/** Reads up to `limit` entries with from <= key < to, in key (byte) order. */
export type ScanFn<T extends Scannable> = (from: Buffer, to: Buffer | undefined, limit: number) => T[];

export interface PageRequest1 {
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

/** A PageSource over a scan with one row per key. */
export function keySource<T extends Scannable>(scan: ScanFn<T>): PageSource<T, Buffer> {
  return {
    scan: (from, end, after, limit) => {
      const next = after && successor(after);
      return scan(next && Buffer.compare(next, from) > 0 ? next : from, end, limit);
    },
    key: (row) => row.key,
    cursor: (row) => row.key,
  };
}

/** A page of rows with one row per key after `marker` (ListObjects, ListObjectsV2). */
export async function keyPage<T extends Scannable>(
  scan: ScanFn<T>,
  req: { prefix: string; delimiter: string; maxKeys: number; marker?: string },
): Promise<PageOf<T>> {
  const marker = req.marker ?? '';
  const resume = resumeAfterKey(marker, req.prefix, req.delimiter, false);
  if (resume === 'end') return { rows: [], commonPrefixes: [], isTruncated: false };
  return pageOf(keySource(scan), {
    prefix: req.prefix,
    delimiter: req.delimiter,
    maxKeys: req.maxKeys,
    from: resume,
    after: resume === undefined && marker !== '' ? Buffer.from(marker, 'utf8') : undefined,
  });
}

/** The same page in the shape of a plain key listing (contents, and the last key or prefix as the next marker). */
export async function listPage<T extends Scannable>(scan: ScanFn<T>, req: PageRequest1): Promise<Page<T>> {
  const p = await keyPage(scan, { prefix: req.prefix, delimiter: req.delimiter, maxKeys: req.maxKeys, marker: req.after });
  return {
    contents: p.rows,
    commonPrefixes: p.commonPrefixes,
    isTruncated: p.isTruncated,
    last: p.last === undefined ? undefined : p.last.row ? p.last.row.key.toString('utf8') : p.last.prefix,
  };
}
