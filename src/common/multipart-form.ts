import {
  applyDecorators,
  CallHandler,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  PayloadTooLargeException,
  UseInterceptors,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { invalid } from './errors';

/** What a form may hold: one file of at most `fileBytes`, and a few short text fields. */
export interface FormLimits {
  fileBytes: number;
  fields: number;
  fieldBytes: number;
}

/** Where the form's one file is kept on the request until the handler takes it. */
const UPLOADED_FILE = Symbol('uploadedFile');
type FormRequest = FastifyRequest & { [UPLOADED_FILE]?: Buffer };

/** @fastify/multipart's own errors for a form over its limits or malformed, in our words. */
function formError(error: unknown, limits: FormLimits): unknown {
  switch ((error as { code?: unknown } | null)?.code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new PayloadTooLargeException(`the uploaded file is larger than ${limits.fileBytes} bytes`);
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return invalid(`the form may hold one file and at most ${limits.fields} fields`);
    case 'FST_PROTO_VIOLATION':
    case 'FST_MP_PREMATURE_CLOSE':
      return invalid('the form could not be read');
    default:
      return error;
  }
}

/**
 * Reads a `multipart/form-data` request before validation: its text fields become the body (checked by
 * the route's DTO like any other), its one file, named `fileField`, is kept for `@UploadedFileBuffer()`.
 * A request of another content type passes unread, and its missing fields are then named by validation.
 */
@Injectable()
class MultipartFormInterceptor implements NestInterceptor {
  constructor(
    private readonly fileField: string,
    private readonly limits: FormLimits,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<FormRequest>();
    if (!request.isMultipart()) return next.handle();
    const fields: Record<string, string> = {};
    const parts = request.parts({
      limits: {
        fileSize: this.limits.fileBytes,
        files: 1,
        fields: this.limits.fields,
        fieldSize: this.limits.fieldBytes,
      },
    });
    try {
      for await (const part of parts) {
        if (part.type === 'file') {
          if (part.fieldname !== this.fileField) {
            part.file.resume();
            throw invalid(`the form's file must be named ${this.fileField}`);
          }
          request[UPLOADED_FILE] = await part.toBuffer();
        } else {
          if (part.valueTruncated) throw invalid(`form field ${part.fieldname} is too long`);
          fields[part.fieldname] = String(part.value);
        }
      }
    } catch (error) {
      throw formError(error, this.limits);
    }
    request.body = fields;
    return next.handle();
  }
}

/** The route reads a multipart form with one file (see MultipartFormInterceptor). */
export const MultipartForm = (fileField: string, limits: FormLimits) =>
  applyDecorators(UseInterceptors(new MultipartFormInterceptor(fileField, limits)));

/** The form's file, or undefined when the request carried none. */
export const UploadedFileBuffer = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Buffer | undefined =>
    context.switchToHttp().getRequest<FormRequest>()[UPLOADED_FILE],
);
