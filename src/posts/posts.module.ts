import { AuditModule } from '../audit/audit.module';
import { Module } from '@nestjs/common';
import { ShadowedStoreModule } from '../shadow/shadow.module';
import { PostEditController } from './post-edit.controller';
import { PostPagesController } from './post-pages.controller';
import { PostsApiController } from './posts-api.controller';
import { PostsService } from './posts.service';

/** Posts: pages, API, the conditional writes. Comments (./comments) build on it. */
@Module({
  imports: [AuditModule, ShadowedStoreModule],
  providers: [PostsService],
  controllers: [PostPagesController, PostEditController, PostsApiController],
  exports: [PostsService],
})
export class PostsModule {}
