import { Module } from '@nestjs/common';
import { PostsModule } from '../posts/posts.module';
import { HomeController } from './home.controller';

@Module({
  imports: [PostsModule],
  controllers: [HomeController],
})
export class HomeModule {}
