/**
 * The one declaration of each environment variable: `@Env` on a property of AppConfig names the
 * variable and says what it is for. Validation sits beside it as class-validator decorators; the typed
 * configuration, the start-up error messages, the README's table and `.env.example` all come from here.
 */
export interface ConfigVariable {
  /** The environment variable, e.g. `DATABASE_URL`. */
  name: string;
  /** The AppConfig property it fills, e.g. `databaseUrl`. */
  property: string;
  /** What it is for, in Markdown (the README); `.env.example` shows it without the back-quotes. */
  description: string;
  /** A secret: never shown with a value in `.env.example`, never logged. */
  secret?: boolean;
  /** The default as the documentation states it, where the property's initial value does not say it well. */
  documentedDefault?: string;
  /** A value to show, commented out, in `.env.example` for a variable without a default. */
  example?: string;
}

const declared: ConfigVariable[] = [];

/** Every variable, in the order AppConfig declares them. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = declared;

export function Env(variable: Omit<ConfigVariable, 'property'>): PropertyDecorator {
  return (_target, property) => {
    declared.push({ ...variable, property: String(property) });
  };
}
