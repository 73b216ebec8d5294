import { UnprocessableEntityException, ValidationError, ValidationPipe } from '@nestjs/common';

function describe(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((constraint) =>
      constraint.startsWith(error.property)
        ? `${path}${constraint.slice(error.property.length)}`
        : `${path}: ${constraint}`,
    );
    return [...own, ...describe(error.children ?? [], path)];
  });
}

/** One validation pipe for every route: unknown fields are rejected and every bad field is named in a 422. */
export const validationPipe = () =>
  new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => new UnprocessableEntityException(describe(errors).join('; ')),
  });
