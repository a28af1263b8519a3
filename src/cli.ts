import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli.module';
import { CliProgramModule } from './cli/cli-program';
import { cliLogger } from './common/logging/cli-logger';
import { redactUrls } from './common/redact';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';

interface CommanderFailure {
  code: string;
  exitCode: number;
}

// Commander has already printed its own one-line message (and help/version output is not a failure).
function isCommanderFailure(error: unknown): error is CommanderFailure {
  const candidate = error as Partial<CommanderFailure> | null;
  return typeof candidate?.code === 'string' && candidate.code.startsWith('commander.');
}

function fail(error: unknown): void {
  if (isCommanderFailure(error)) {
    process.exitCode = error.exitCode;
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${redactUrls(message.split('\n')[0])}\n`);
  process.exitCode = 1;
}

/**
 * Runs the CLI on the process's arguments, naming itself `programName` in its help and errors:
 * `npm run cli --` when started that way (scripts/run-cli.js), `node dist/src/cli.js` when run
 * directly (the Docker image).
 */
export async function main(programName: string): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  await CommandFactory.run(CliProgramModule.forRoot(CliModule.forRoot(config), programName), {
    cliName: programName,
    logger: cliLogger(config.logSettings('cli')),
    // Throwing here hands parse errors to serviceErrorHandler instead of process.exit(),
    // so the app context still closes its connections.
    errorHandler: (error) => {
      throw error;
    },
    serviceErrorHandler: fail,
  });
}

if (require.main === module) main('node dist/src/cli.js').catch(fail);

export { fail };
