import { REDACTED } from '../../../../src/common/logging/log-redaction';
import { createRootLogger } from '../../../../src/common/logging/root-logger';
import { LogCapture } from '../../../support/log-capture';

describe('the root logger (JSON lines, secrets redacted)', () => {
  function logged(fields: Record<string, unknown>, message = 'hello') {
    const capture = new LogCapture();
    const logger = createRootLogger({ level: 'info', readable: false }, capture);
    logger.info(fields, message);
    expect(capture.lines).toHaveLength(1);
    return capture.lines[0];
  }

  it('writes one JSON line: level by name, ISO time, the message and the fields', () => {
    const line = logged({ requestId: 'r-1', context: 'Posts' }, 'post created');
    expect(line).toMatchObject({
      level: 'info',
      msg: 'post created',
      requestId: 'r-1',
      context: 'Posts',
    });
    expect(new Date(line.time as string).toISOString()).toBe(line.time);
  });

  it('censors passwords, tokens, CSRF tokens and bodies, at the top and nested', () => {
    const line = logged({
      password: 'hunter2-top',
      token: 'tok-top',
      _csrf: 'csrf-top',
      body: { title: 'a post', text: 'its text' },
      account: { username: 'ada', password: 'hunter2-nested' },
      form: { fields: { password: 'hunter2-deep', _csrf: 'csrf-deep' } },
    });
    const text = JSON.stringify(line);
    for (const secret of ['hunter2', 'tok-top', 'csrf-', 'its text']) {
      expect(text).not.toContain(secret);
    }
    expect(line.password).toBe(REDACTED);
    expect(line.body).toBe(REDACTED);
    expect(line.account).toEqual({ username: 'ada', password: REDACTED });
    expect(line.form).toEqual({ fields: { password: REDACTED, _csrf: REDACTED } });
  });

  it('censors cookies, Authorization and CSRF headers of a request or response', () => {
    const line = logged({
      req: {
        method: 'POST',
        headers: {
          cookie: 'session=abc',
          authorization: 'Bearer secret-token',
          'x-csrf-token': 'csrf-header',
          accept: 'text/html',
        },
      },
      res: { headers: { 'set-cookie': 'session=def' } },
    });
    expect(line.req).toEqual({
      method: 'POST',
      headers: {
        cookie: REDACTED,
        authorization: REDACTED,
        'x-csrf-token': REDACTED,
        accept: 'text/html',
      },
    });
    expect(line.res).toEqual({ headers: { 'set-cookie': REDACTED } });
  });

  it('leaves out what is below its level', () => {
    const capture = new LogCapture();
    const logger = createRootLogger({ level: 'warn', readable: false }, capture);
    logger.info('not this');
    logger.warn('this');
    expect(capture.lines.map((line) => line.msg)).toEqual(['this']);
  });
});
