import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { map, Observable } from 'rxjs';
import { RouteMetadata } from './route-metadata';

const RAW_RESPONSE = 'rawResponse';
/** For routes whose contract is a foreign API's bare body (Helm releases, software deployments, packages). */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);

const envelope = (result: object | null | undefined) => ({
  code: 200,
  message: 'success',
  ...(result ?? {}),
});

/** Wraps a handler's result in the ote-stack envelope `{code: 200, message: "success", ...result}`. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  private readonly raw: RouteMetadata<boolean>;

  constructor(reflector: Reflector) {
    this.raw = new RouteMetadata(reflector, RAW_RESPONSE);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.raw.of(context)) return next.handle();
    return next.handle().pipe(map(envelope));
  }
}
