import { grantAccess, isRepositoryName, parseScopes, ProjectRights } from './registry-access';

describe('registry token scopes', () => {
  it('parses several scopes, in several parameters or space-separated, dropping resource classes', () => {
    expect(
      parseScopes(['repository:team/app:push,pull', 'repository(plugin):team/x:pull registry:catalog:*']),
    ).toEqual([
      { type: 'repository', name: 'team/app', actions: ['push', 'pull'] },
      { type: 'repository', name: 'team/x', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
  });

  it('ignores what is not a scope and repeats no action', () => {
    expect(parseScopes(['', 'nonsense', ':x:pull', 'repository:a/b:pull,pull,'])).toEqual([
      { type: 'repository', name: 'a/b', actions: ['pull'] },
    ]);
  });

  it.each(['team/app', 'team/app/sub', 'a.b/c-d__e'])('%s is a repository name', (name) =>
    expect(isRepositoryName(name)).toBe(true),
  );
  it.each(['app', 'Team/app', 'team//app', 'team/app/', `team/${'a'.repeat(255)}`, 'host:5000/app'])(
    '%s is not',
    (name) => expect(isRepositoryName(name)).toBe(false),
  );
});

describe('registry rights (SPEC §11)', () => {
  const projects: Record<string, ProjectRights> = {
    own: { businessId: 1, public: false },
    ownpublic: { businessId: 1, public: true },
    theirs: { businessId: 2, public: false },
    shared: { businessId: 2, public: true },
  };
  const grant = (scope: string, businessId: number | null = 1) =>
    grantAccess(parseScopes([scope]), businessId, (name) => projects[name]);

  it('push and pull on own projects, never delete', () => {
    expect(grant('repository:own/app:push,pull,delete,*')).toEqual([
      { type: 'repository', name: 'own/app', actions: ['push', 'pull'] },
    ]);
    expect(grant('repository:ownpublic/app:push')).toEqual([
      { type: 'repository', name: 'ownpublic/app', actions: ['push'] },
    ]);
  });

  it("pull only on other businesses' public projects", () => {
    expect(grant('repository:shared/app:push,pull')).toEqual([
      { type: 'repository', name: 'shared/app', actions: ['pull'] },
    ]);
    expect(grant('repository:shared/app:push')).toEqual([]);
  });

  it('nothing on private projects of others, unknown projects, the catalog or bad names', () => {
    for (const scope of [
      'repository:theirs/app:pull',
      'repository:nothere/app:pull',
      'registry:catalog:*',
      'repository:own:pull',
    ])
      expect(grant(scope)).toEqual([]);
  });

  it('a user without a business gets public pulls only', () => {
    expect(grant('repository:own/app:push,pull', null)).toEqual([]);
    expect(grant('repository:ownpublic/app:push,pull', null)).toEqual([
      { type: 'repository', name: 'ownpublic/app', actions: ['pull'] },
    ]);
  });
});
