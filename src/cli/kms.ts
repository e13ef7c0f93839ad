/**
 * `cairn kms …`: the encryption keyring of a data directory
 * (`keys/keyring.json`, store/keyring.ts). A running server sees a change
 * within half a second.
 */
import { DomainError } from '../core/errors.js';
import type { Keyring } from '../store/keyring.js';
import { CliError, option } from './admin.js';

export const KMS_USAGE = `server-side encryption keys (keys/keyring.json in the data directory; back it up):
  cairn kms list [--json]                       master key versions and KMS keys (never key material)
  cairn kms rotate-master                       a new master key version for new SSE-S3 objects;
                                                older versions stay to decrypt older objects
  cairn kms create-key ID [--default]           a named key for SSE-KMS (--default: used when none is named)
  cairn kms disable-key ID | enable-key ID      objects under a disabled key can be neither written nor read`;

export function kmsCommand(keyring: Keyring, args: string[], out: (line: string) => void): void {
  const [verb, ...rest] = args;
  try {
    if (verb === 'list') {
      const json = option(rest, '--json');
      const l = keyring.list();
      if (json) {
        out(JSON.stringify(l, null, 2));
        return;
      }
      for (const m of l.masters) out(`master v${m.version}  created ${m.created}${m === l.masters[l.masters.length - 1] ? '  (current)' : ''}`);
      for (const k of l.keys) out(`key ${k.id}  ${k.enabled ? 'Enabled' : 'Disabled'}  created ${k.created}${k.isDefault ? '  (default)' : ''}`);
      if (l.masters.length === 0 && l.keys.length === 0) out('no keys yet (the master key is created with the first encrypted object)');
    } else if (verb === 'rotate-master') {
      out(`master key version ${keyring.rotateMaster()} is now current`);
    } else if (verb === 'create-key' && rest[0] !== undefined) {
      const isDefault = option(rest, '--default');
      const k = keyring.createKey(rest[0], { isDefault });
      out(`created key ${k.id}${k.isDefault ? ' (default)' : ''}`);
    } else if ((verb === 'disable-key' || verb === 'enable-key') && rest[0] !== undefined) {
      keyring.setEnabled(rest[0], verb === 'enable-key');
      out(`key ${rest[0]} ${verb === 'enable-key' ? 'enabled' : 'disabled'}`);
    } else throw new CliError(KMS_USAGE);
  } catch (e) {
    if (e instanceof DomainError) throw new CliError(e.message);
    throw e;
  }
}
