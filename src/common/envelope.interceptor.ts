import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { map, Observable } from 'rxjs';

const RAW_RESPONSE = 'rawResponse';
/** For routes whose contract is a foreign API's bare body (Helm releases, software deployments, packages). */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);

/** Wraps a handler's result in the ote-stack envelope `{code: 200, message: "success", ...result}`. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const raw = this.reflector.getAllAndOverride<boolean>(RAW_RESPONSE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (raw) return next.handle();
    return next.handle().pipe(map((result) => ({ code: 200, message: 'success', ...(result ?? {}) })));
  }
}
