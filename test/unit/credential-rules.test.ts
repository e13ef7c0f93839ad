import { describe, expect, it } from 'vitest';
import { ConfigError, accessKeyProblem, loadConfig, secretKeyProblem } from '../../src/config.js';

/** One rule for access keys and secrets, used by the settings (CAIRN_ACCESS_KEY/CAIRN_SECRET_KEY) and `cairn user create`. */
describe('access key and secret rules', () => {
  it('accepts AWS-style keys and the characters a SigV4 credential or SigV2 header can carry', () => {
    for (const ak of ['AKIAIOSFODNN7EXAMPLE', 'abc', 'a.b_c~d+e/f=g-h', 'x'.repeat(128)]) expect(accessKeyProblem(ak), ak).toBeUndefined();
    for (const sk of ['12345678', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 's'.repeat(256)]) expect(secretKeyProblem(sk), sk).toBeUndefined();
  });

  it('refuses keys the server could never authenticate', () => {
    for (const ak of ['a b', 'ab', '', 'x'.repeat(129), 'key:colon', 'tab\there', 'é-key', 'semi;colon', 'a,b']) {
      expect(accessKeyProblem(ak), JSON.stringify(ak)).toBe('3 to 128 characters of A-Z a-z 0-9 . _ ~ + / = -');
    }
    for (const sk of ['', '1234567', 's'.repeat(257)]) expect(secretKeyProblem(sk), sk).toBe('must be 8 to 256 characters');
  });

  it('is the rule loadConfig applies to CAIRN_ACCESS_KEY and CAIRN_SECRET_KEY', () => {
    expect(() => loadConfig({ CAIRN_ACCESS_KEY: 'a b', CAIRN_SECRET_KEY: '12345678' })).toThrow(
      new ConfigError('CAIRN_ACCESS_KEY: 3 to 128 characters of A-Z a-z 0-9 . _ ~ + / = -'),
    );
    expect(() => loadConfig({ CAIRN_ACCESS_KEY: 'abc', CAIRN_SECRET_KEY: 's'.repeat(257) })).toThrow(
      new ConfigError('CAIRN_SECRET_KEY: must be 8 to 256 characters'),
    );
    expect(loadConfig({ CAIRN_ACCESS_KEY: 'abc', CAIRN_SECRET_KEY: '12345678' }).accessKey).toBe('abc');
  });
});
