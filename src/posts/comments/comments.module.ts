import { AuditModule } from '../../audit/audit.module';
import { Module } from '@nestjs/common';
import { AuthModule } from '../../auth/auth.module';
import { ShadowedStoreModule } from '../../shadow/shadow.module';
import { PostsModule } from '../posts.module';
import { CommentsController } from './comments.controller';
import { CommentsService } from './comments.service';
import { ThreadController } from './thread.controller';

/** Comments under posts, and a post's page with its comments. Depends on posts, never back. */
@Module({
  imports: [AuditModule, PostsModule, ShadowedStoreModule, AuthModule],
  providers: [CommentsService],
  controllers: [ThreadController, CommentsController],
})
export class CommentsModule {}
