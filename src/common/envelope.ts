import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  StreamableFile,
  UseInterceptors,
} from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { Observable } from 'rxjs';

/*
 * Every route answers in the ote-stack envelope `{code: 200, message: "success", ...result}` unless it
 * is marked raw. The envelope is put on where Nest hands a handler's result to the HTTP adapter, not by a
 * global interceptor: an interceptor puts every request of every route through an rxjs pipeline
 * (bench/api-list: rxjs alone took 4 % of the list's CPU samples outside its socket writes).
 * Errors never pass here: the exception filters answer on the reply themselves.
 */

/** The replies of requests whose route answers a bare body; held only as long as the reply lives. */
const rawReplies = new WeakSet<object>();

@Injectable()
class RawResponseMarker implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    rawReplies.add(context.switchToHttp().getResponse<object>());
    return next.handle();
  }
}

/**
 * For routes whose contract is a foreign API's bare body (Helm releases, software deployments, the
 * registry's token, Prometheus' metrics), on a controller or a handler: an interceptor marks the reply.
 */
export const RawResponse = () => UseInterceptors(RawResponseMarker);

const envelope = (result: unknown) => ({
  code: 200,
  message: 'success',
  ...(result ?? {}),
});

/** Nest's Fastify adapter, with the envelope on every handler's result but a raw route's or a stream. */
export class EnvelopeFastifyAdapter extends FastifyAdapter {
  override reply(response: Parameters<FastifyAdapter['reply']>[0], body: unknown, statusCode?: number) {
    const bare = body instanceof StreamableFile || rawReplies.has(response);
    return super.reply(response, bare ? body : envelope(body), statusCode);
  }
}
