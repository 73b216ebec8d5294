/** One entry of a registry token's `access` claim (Docker registry token authentication). */
export interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** What an owner of a project may do to its repositories, and what others may do to a public one. */
const OWNER_ACTIONS = ['pull', 'push'];
const PUBLIC_ACTIONS = ['pull'];

/** One path component of a repository name (distribution/reference). */
export const PATH_COMPONENT_RULE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const MAX_REPOSITORY_NAME = 255;

/** `project/image[/more]`: a project and at least one more component, each a valid path component. */
export function isRepositoryName(name: string): boolean {
  const parts = name.split('/');
  return (
    name.length <= MAX_REPOSITORY_NAME &&
    parts.length >= 2 &&
    parts.every((part) => PATH_COMPONENT_RULE.test(part))
  );
}

export const projectOf = (repository: string): string => repository.split('/')[0];

/**
 * The `scope` parameters of a token request, `type[(class)]:name:actions`; several may come in one
 * parameter separated by spaces. Names never contain a colon, but a registry host in one might, so the
 * type is before the first colon and the actions after the last.
 */
export function parseScopes(parameters: string[]): Access[] {
  return parameters
    .flatMap((parameter) => parameter.split(' '))
    .filter(Boolean)
    .flatMap((scope) => {
      const first = scope.indexOf(':');
      const last = scope.lastIndexOf(':');
      if (first <= 0 || last === first) return [];
      const type = scope.slice(0, first).replace(/\(.*\)$/, '');
      const actions = [
        ...new Set(
          scope
            .slice(last + 1)
            .split(',')
            .filter(Boolean),
        ),
      ];
      return [{ type, name: scope.slice(first + 1, last), actions }];
    });
}

export interface ProjectRights {
  businessId: number;
  public: boolean;
}

/**
 * SPEC §11: push and pull on the repositories of one's own business's projects, pull on public projects
 * of other businesses, nothing else. A scope with nothing granted is left out rather than refused.
 */
export function grantAccess(
  requested: Access[],
  callerBusinessId: number | null,
  projectRights: (projectName: string) => ProjectRights | undefined,
): Access[] {
  return requested.flatMap((scope) => {
    if (scope.type !== 'repository' || !isRepositoryName(scope.name)) return [];
    const project = projectRights(projectOf(scope.name));
    if (!project) return [];
    const allowed =
      callerBusinessId !== null && project.businessId === callerBusinessId
        ? OWNER_ACTIONS
        : project.public
          ? PUBLIC_ACTIONS
          : [];
    const actions = scope.actions.filter((action) => allowed.includes(action));
    return actions.length > 0 ? [{ type: scope.type, name: scope.name, actions }] : [];
  });
}
