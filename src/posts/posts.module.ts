import { Module } from '@nestjs/common';
import { CommentsModule } from '../comments/comments.module';
import { PostEditController } from './post-edit.controller';
import { PostPagesController } from './post-pages.controller';
import { PostsApiController } from './posts-api.controller';
import { PostsService } from './posts.service';

/** Posts pages and API. PostStore comes from the global PostStoreModule. */
@Module({
  imports: [CommentsModule],
  providers: [PostsService],
  controllers: [PostPagesController, PostEditController, PostsApiController],
  exports: [PostsService],
})
export class PostsModule {}
