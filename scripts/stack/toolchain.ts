import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/** A problem the user fixes on their machine; the CLI prints its message as one line. */
export class StackError extends Error {}

/** Java 17 exactly: Cassandra 5.0 runs on Java 11 or 17, and newer JVMs refuse to start it. */
export function requireJava17(javaBin: string): void {
  if (!fs.existsSync(javaBin)) {
    throw new StackError(
      `Java 17 not found at ${javaBin} (Cassandra 5.0 needs Java 11 or 17): install openjdk-17-jre-headless or set STACK_JAVA17 to its bin/java`,
    );
  }
  const probe = spawnSync(javaBin, ['-version'], { encoding: 'utf8' });
  const banner = `${probe.stderr ?? ''}${probe.stdout ?? ''}`;
  const match = /version "(\d+)/.exec(banner);
  if (!match || match[1] !== '17') {
    throw new StackError(
      `${javaBin} is not Java 17 (it reports ${match ? `version ${match[1]}` : 'no version'}); set STACK_JAVA17 to a Java 17 bin/java`,
    );
  }
}

export function requireTool(bin: string, purpose: string, hint: string): void {
  const probe = spawnSync(bin, ['version'], { encoding: 'utf8' });
  if (probe.error) {
    throw new StackError(`${bin} not found on PATH (needed to ${purpose}): ${hint}`);
  }
}

/**
 * Runs a command to completion with its output captured; on failure the error carries the last
 * lines of that output so the user sees why without a stack trace.
 */
export function run(
  bin: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; what: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: opts.cwd, env: opts.env ?? process.env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) => reject(new StackError(`${opts.what} failed: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) return resolve(output);
      const lastLines = output.trim().split('\n').slice(-15).join('\n');
      reject(new StackError(`${opts.what} failed (exit ${code}):\n${lastLines}`));
    });
  });
}
