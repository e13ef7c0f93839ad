/**
 * Authenticating a browser form upload (POST Object) by its signed policy:
 * who signed it (SigV4 or SigV2 form fields), and whether the form obeys
 * the policy's expiration and conditions.
 */
import { S3Error } from '../errors/s3error.js';
import { lookupKey, type AuthContext } from './authenticate.js';
import { checkPostPolicy, parsePostPolicy, readPostSignature, verifyPostSignature, type LengthRange } from './postPolicy.js';
import type { Principal } from './principal.js';

/** Who signed the form: undefined for an unsigned one. */
export function formPrincipal(ctx: AuthContext, values: ReadonlyMap<string, string>): Principal | undefined {
  const sig = readPostSignature(values);
  if (!sig) return undefined;
  if (sig.version === 4) {
    if (sig.service !== 's3') {
      throw new S3Error(
        'AuthorizationQueryParametersError',
        `Error parsing the X-Amz-Credential parameter; incorrect service "${sig.service}". This endpoint belongs to "s3".`,
      );
    }
    const region = ctx.config.region;
    if (sig.region !== region && region !== 'us-east-1') {
      throw new S3Error(
        'AuthorizationQueryParametersError',
        `Error parsing the X-Amz-Credential parameter; the region '${sig.region}' is wrong; expecting '${region}'`,
        { Region: region },
      );
    }
  }
  const found = lookupKey(ctx, sig.accessKey, values.get('x-amz-security-token'));
  if (!verifyPostSignature(sig, found.secret)) {
    throw new S3Error('SignatureDoesNotMatch', undefined, { AWSAccessKeyId: sig.accessKey, StringToSign: sig.policy, SignatureProvided: sig.signature });
  }
  if (!found.principal.temporary) ctx.services.identities.noteUse(sig.accessKey, 's3', ctx.config.region);
  return found.principal;
}

/**
 * Judges a form against its policy (when it carries one: an unsigned form
 * may too, judged all the same); returns the file length range it allows.
 */
export function checkFormPolicy(
  ctx: AuthContext,
  fields: ReadonlyArray<readonly [string, string]>,
  values: ReadonlyMap<string, string>,
  bucket: string,
): LengthRange | undefined {
  const policy = values.get('policy');
  if (policy === undefined) return undefined;
  return checkPostPolicy(parsePostPolicy(policy), { fields: fields as Array<[string, string]>, values, bucket, now: ctx.clock() });
}
