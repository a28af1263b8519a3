import { Module } from '@nestjs/common';
import { OpsServer } from './ops-server';

/** The operators' listener (OPS_PORT); the web app imports it, the CLI does not. */
@Module({ providers: [OpsServer], exports: [OpsServer] })
export class OpsModule {}
