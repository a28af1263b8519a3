/**
 * What an account's fields may hold: one set of rules for the pages, the JSON API and the CLI,
 * each answering one sentence a person can act on (or undefined when the value is fine).
 */

export const USERNAME_PATTERN = /^[a-z0-9_.-]{3,32}$/;
export const NAME_MAX_LENGTH = 80;
/** Longer passwords add nothing and make every hash slower to compute. */
export const PASSWORD_MAX_LENGTH = 1024;

// C0 and C1 control characters: invisible on a page, and they could forge log lines
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

/** Usernames are unique ignoring case: stored and looked up trimmed and in lower case. */
export function normalizeUsername(raw: string): string {
  return raw.trim().toLowerCase();
}

export function usernameProblem(username: unknown): string | undefined {
  if (typeof username !== 'string') return 'Username must be text.';
  if (!USERNAME_PATTERN.test(normalizeUsername(username))) {
    return 'Username must be 3 to 32 characters: letters a-z, digits, _ . or -.';
  }
  return undefined;
}

/** The display name: shown as a post's author and a comment's commenter. */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'Name must be text.';
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > NAME_MAX_LENGTH) {
    return `Name must be 1 to ${NAME_MAX_LENGTH} characters.`;
  }
  if (CONTROL.test(trimmed)) return 'Name must be one line without control characters or tabs.';
  return undefined;
}

/** Passwords are taken as typed (never trimmed): a space is as good a character as any. */
export function passwordProblem(password: unknown, minLength: number): string | undefined {
  if (typeof password !== 'string') return 'Password must be text.';
  if (password.length < minLength || password.length > PASSWORD_MAX_LENGTH) {
    return `Password must be ${minLength} to ${PASSWORD_MAX_LENGTH} characters.`;
  }
  return undefined;
}

export function roleProblem(role: unknown): string | undefined {
  return role === 'admin' || role === 'author' ? undefined : 'Role must be admin or author.';
}
