import { Controller, Get, Module, NotFoundException, StreamableFile } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Readable } from 'node:stream';
import request from 'supertest';
import { EnvelopeFastifyAdapter, RawResponse } from './envelope';
import { ErrorFilter } from './error.filter';

@Controller('wrapped')
class WrappedController {
  @Get('page')
  page() {
    return { data: [1, 2], total: 2 };
  }

  @Get('nothing')
  nothing(): void {}

  @Get('missing')
  missing() {
    throw new NotFoundException('no such thing');
  }

  @Get('file')
  file() {
    return new StreamableFile(Readable.from([Buffer.from('bytes')]), { type: 'text/plain' });
  }

  @RawResponse()
  @Get('bare')
  bare() {
    return { releases: [] };
  }
}

@RawResponse()
@Controller('foreign')
class ForeignController {
  @Get()
  list() {
    return [{ name: 'web' }];
  }
}

@Module({ controllers: [WrappedController, ForeignController] })
class EnvelopeTestModule {}

describe('the envelope', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(EnvelopeTestModule, new EnvelopeFastifyAdapter(), {
      logger: false,
    });
    app.useGlobalFilters(new ErrorFilter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());

  const get = (url: string) => request(app.getHttpServer()).get(url);

  it("wraps a handler's result, and an empty one", async () => {
    expect((await get('/wrapped/page')).body).toEqual({
      code: 200,
      message: 'success',
      data: [1, 2],
      total: 2,
    });
    expect((await get('/wrapped/nothing')).body).toEqual({ code: 200, message: 'success' });
  });

  it('leaves the raw routes of a handler or of a whole controller bare', async () => {
    expect((await get('/wrapped/bare')).body).toEqual({ releases: [] });
    expect((await get('/foreign')).body).toEqual([{ name: 'web' }]);
    // A raw route's mark stays with its own request.
    expect((await get('/wrapped/page')).body).toMatchObject({ code: 200, message: 'success' });
  });

  it('does not wrap an error or a stream', async () => {
    const missing = await get('/wrapped/missing');
    expect([missing.statusCode, missing.body]).toEqual([404, { code: 404, message: 'no such thing' }]);
    const file = await get('/wrapped/file');
    expect([file.statusCode, file.text]).toEqual([200, 'bytes']);
  });
});
