import { Readable } from 'node:stream';

/** The terminal input a secret may be typed into (process.stdin, or a fake in tests). */
export type SecretInput = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/**
 * Reads a secret (a password) from standard input: the first line when it is piped in
 * (`echo … | npm run cli -- user add …`), or typed on a terminal with no echo, after `prompt`
 * (written to stderr so stdout stays the command's output). The secret itself is never written.
 */
export function readSecret(
  prompt: string,
  input: SecretInput = process.stdin,
  promptOut: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  return input.isTTY && input.setRawMode
    ? readTyped(prompt, input, promptOut)
    : readFirstLine(input);
}

function readFirstLine(input: SecretInput): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = () => {
      input.off('data', onData);
      input.off('end', finish);
      input.off('error', reject);
      input.pause();
      resolve(text.split(/\r?\n/)[0]);
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (text.includes('\n')) finish();
    };
    input.on('data', onData);
    input.once('end', finish);
    input.once('error', reject);
    input.resume();
  });
}

function readTyped(
  prompt: string,
  input: SecretInput,
  promptOut: NodeJS.WritableStream,
): Promise<string> {
  return new Promise((resolve, reject) => {
    promptOut.write(prompt);
    input.setRawMode?.(true);
    let typed = '';
    const done = (error?: Error) => {
      input.setRawMode?.(false);
      input.off('data', onData);
      input.pause();
      promptOut.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n' || char === '\u0004') return done();
        if (char === '\u0003') return done(new Error('cancelled'));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}
