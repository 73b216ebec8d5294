import {
  NotFoundException,
  UnprocessableEntityException,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import { getMetadataStorage, type MetadataStorage } from 'class-validator';
import { ROW_ID_IN_RANGE } from './id.pipe';

type RulesOf = MetadataStorage['getTargetValidationMetadatas'];
type Rule = ReturnType<RulesOf>[number];
let remembering = false;

/**
 * class-validator works a class's rules out afresh for every object it validates (every request's
 * query and body): it filters the class's rules, then tests every class that has rules for being one of
 * its ancestors. Rules are added by decorators as classes load, so the answer changes only when a rule is
 * added: it is kept until then. The kept lists are frozen, as a caller that changed one would change
 * every later validation.
 */
export function rememberValidationRules(): void {
  if (remembering) return;
  remembering = true;
  const storage = getMetadataStorage();
  const workOut = storage.getTargetValidationMetadatas.bind(storage);
  const addRule = storage.addValidationMetadata.bind(storage);
  let known = new Map<unknown, Map<string, Rule[]>>();
  const rulesOf: RulesOf = (target, schema, always, strictGroups, groups) => {
    let ofTarget = known.get(target);
    if (!ofTarget) known.set(target, (ofTarget = new Map()));
    const options = `${schema}\0${always}\0${strictGroups}\0${groups?.join('\0')}`;
    let rules = ofTarget.get(options);
    if (!rules)
      ofTarget.set(
        options,
        (rules = Object.freeze(workOut(target, schema, always, strictGroups, groups)) as Rule[]),
      );
    return rules;
  };
  storage.getTargetValidationMetadatas = rulesOf;
  // addValidationSchema adds its rules through this method too.
  storage.addValidationMetadata = (rule) => {
    known = new Map();
    addRule(rule);
  };
}

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

/** `path value` for each id beyond its column's range, if those are the only errors; otherwise undefined. */
function idsBeyondRange(errors: ValidationError[], parent = ''): string[] | undefined {
  const found: string[] = [];
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const constraints = Object.keys(error.constraints ?? {});
    if (constraints.some((name) => name !== ROW_ID_IN_RANGE)) return undefined;
    if (constraints.length) found.push(`${path} ${JSON.stringify(error.value)}`);
    const nested = idsBeyondRange(error.children ?? [], path);
    if (!nested) return undefined;
    found.push(...nested);
  }
  return found;
}

/**
 * One validation pipe for every route: unknown fields are rejected and every bad field is named in a 422.
 * The one exception is a well-formed id that no row can have (beyond its column's range): 404, as for
 * any other unknown id.
 */
export const validationPipe = () => {
  rememberValidationRules();
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => {
      const unknownIds = idsBeyondRange(errors);
      if (unknownIds?.length) return new NotFoundException(`${unknownIds.join(', ')} not found`);
      return new UnprocessableEntityException(describe(errors).join('; '));
    },
  });
};
