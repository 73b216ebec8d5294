import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { envExample, withReadmeTable } from './config-docs';
import { CONFIG_VARIABLES } from './config-variable';

const root = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/** Variables read before the configuration exists, by the quick start that prepares the environment. */
const QUICK_START_ONLY = new Set(['PATH']);

function sources(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const file = path.join(folder, name);
    if (statSync(file).isDirectory()) return sources(file);
    return file.endsWith('.ts') && !file.endsWith('.spec.ts') ? [file] : [];
  });
}

/** The generated documents are committed; a variable changed without `npm run config:docs` fails here. */
describe('configuration documents', () => {
  it('.env.example is what the declarations generate', () => {
    expect(read('.env.example')).toBe(envExample());
  });

  it("the README's table is what the declarations generate", () => {
    const readme = read('README.md');
    expect(readme).toBe(withReadmeTable(readme));
  });

  it('every environment variable the server reads is declared once', () => {
    const declared = CONFIG_VARIABLES.map((variable) => variable.name);
    expect(new Set(declared).size).toBe(declared.length);
    const read = new Set(
      sources(path.join(root, 'src')).flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)].map((match) => match[1]),
      ),
    );
    const undeclared = [...read].filter((name) => !declared.includes(name) && !QUICK_START_ONLY.has(name));
    expect(undeclared).toEqual([]);
  });
});
