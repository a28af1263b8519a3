import { DynamicModule, Inject, Injectable, Module } from '@nestjs/common';
import type { Command } from 'commander';
import { InjectCommander } from 'nest-commander';

export const CLI_PROGRAM_NAME = 'CLI_PROGRAM_NAME';

/**
 * Names the program as users type it (`npm run cli --`, or `node dist/src/cli.js` in the
 * image) in its help and errors; commander would name it after the script file.
 */
@Injectable()
export class CliProgram {
  constructor(@InjectCommander() commander: Command, @Inject(CLI_PROGRAM_NAME) name: string) {
    commander.name(name);
  }
}

/**
 * The CLI as nest-commander runs it: the commands (`commands`, CliModule) and the program's
 * name. Only under CommandFactory, which provides the commander program this names.
 */
@Module({})
export class CliProgramModule {
  static forRoot(commands: DynamicModule, name: string): DynamicModule {
    return {
      module: CliProgramModule,
      imports: [commands],
      providers: [{ provide: CLI_PROGRAM_NAME, useValue: name }, CliProgram],
    };
  }
}
