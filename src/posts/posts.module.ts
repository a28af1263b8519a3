import { Module } from '@nestjs/common';
import { ShadowedStoreModule } from '../shadow/shadow.module';
import { PostEditController } from './post-edit.controller';
import { PostPagesController } from './post-pages.controller';
import { PostsApiController } from './posts-api.controller';
import { PostsService } from './posts.service';

/** Posts: pages, API, the conditional writes. Comments (./comments) build on it. */
@Module({
  imports: [ShadowedStoreModule],
  providers: [PostsService],
  controllers: [PostPagesController, PostEditController, PostsApiController],
  exports: [PostsService],
})
export class PostsModule {}
