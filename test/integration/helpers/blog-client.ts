import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';

/** The blog's JSON write API as a client sees it (form routes with Accept: application/json). */
export class BlogClient {
  constructor(private readonly app: NestExpressApplication) {}

  private post(path: string, body: object) {
    return request(this.app.getHttpServer())
      .post(path)
      .set('Accept', 'application/json')
      .send(body);
  }

  create(body: { title: string; author: string; content: string }) {
    return this.post('/create', body);
  }
  edit(id: string, body: { title: string; author: string; content: string; version?: string }) {
    return this.post(`/edit/${id}`, body);
  }
  comment(id: string, body: { commenter: string; comment: string }) {
    return this.post(`/post/${id}/comment`, body);
  }
  delete(id: string) {
    return this.post(`/delete/${id}`, {});
  }
  get(path: string) {
    return request(this.app.getHttpServer()).get(path);
  }
  /** creates a post and returns its id (fails the test on anything but 201) */
  async createdId(title: string, author = 'Ada'): Promise<string> {
    const res = await this.create({ title, author, content: `Content of ${title}` }).expect(201);
    return (res.body as { id: string }).id;
  }
}
