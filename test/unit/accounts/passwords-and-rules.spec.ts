import {
  nameProblem,
  normalizeUsername,
  passwordProblem,
  roleProblem,
  usernameProblem,
} from '../../../src/accounts/account-rules';
import { decoyHash, hashPassword, verifyPassword } from '../../../src/accounts/passwords';

describe('passwords', () => {
  it('hashes with scrypt, a random salt and its parameters, and verifies', async () => {
    const [a, b] = await Promise.all([hashPassword('pässword 1'), hashPassword('pässword 1')]);
    expect(a).toMatch(/^scrypt\$N=32768,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('pässword');
    expect(await verifyPassword('pässword 1', a)).toBe(true);
    expect(await verifyPassword('pässword 2', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it.each([
    '',
    'plain',
    'scrypt$N=1048577,r=8,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAA==',
    'scrypt$N=33000,r=8,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAA==',
    'scrypt$N=32768,r=99,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAA==',
  ])('refuses a stored hash it cannot trust (%j) without throwing', async (stored) => {
    expect(await verifyPassword('x', stored)).toBe(false);
  });

  it('has a decoy hash that no password matches', async () => {
    expect(await verifyPassword('', await decoyHash())).toBe(false);
    expect(await decoyHash()).toBe(await decoyHash());
  });
});

describe('account rules', () => {
  it('stores usernames trimmed and in lower case', () => {
    expect(normalizeUsername('  Ada.L ')).toBe('ada.l');
  });

  it.each(['ada', 'a_b', 'x.y-z', '123', 'a'.repeat(32), ' Ada '])('accepts username %j', (u) =>
    expect(usernameProblem(u)).toBeUndefined(),
  );

  it.each(['ab', 'a'.repeat(33), 'ad a', 'adé', 'a/b', '', 42, { $ne: 1 }])(
    'refuses username %j',
    (u) => expect(usernameProblem(u)).toEqual(expect.any(String)),
  );

  it('checks display names: 1–80 characters, one line', () => {
    expect(nameProblem('Ada Lovelace')).toBeUndefined();
    expect(nameProblem('  ')).toMatch(/1 to 80/);
    expect(nameProblem('x'.repeat(81))).toMatch(/1 to 80/);
    expect(nameProblem('a\nb')).toMatch(/control/);
    expect(nameProblem(7)).toMatch(/text/);
  });

  it('checks passwords against the configured minimum and 1024', () => {
    expect(passwordProblem('x'.repeat(10), 10)).toBeUndefined();
    expect(passwordProblem('x'.repeat(9), 10)).toMatch(/10 to 1024/);
    expect(passwordProblem('x'.repeat(1025), 10)).toMatch(/10 to 1024/);
    expect(passwordProblem(['x'], 10)).toMatch(/text/);
  });

  it('knows the two roles', () => {
    expect(roleProblem('admin')).toBeUndefined();
    expect(roleProblem('author')).toBeUndefined();
    expect(roleProblem('root')).toEqual(expect.any(String));
  });
});
