/**
 * Pieces of S3 XML documents several operations share.
 */
import type { XmlObject } from '../xml/xml.js';
import type { OpContext } from './operation.js';

/**
 * Owner elements (ID = canonical id, DisplayName) of a listing, looked up
 * once per account per response.
 */
export class Owners {
  private readonly cache = new Map<number, XmlObject>();

  constructor(private readonly ctx: OpContext) {}

  of(id: number): XmlObject {
    let o = this.cache.get(id);
    if (!o) {
      const u = this.ctx.services.identities.owner(id);
      o = { ID: u?.canonicalId ?? '', DisplayName: u?.name ?? '' };
      this.cache.set(id, o);
    }
    return o;
  }
}

/** The Checksum<Algorithm> element name. */
export function checksumElement(algorithm: string): string {
  return `Checksum${algorithm}`;
}
