import {
  appImages,
  verdictForChart,
  APP_NAME_RULE,
  duplicateProblems,
  ENV_NAME_RULE,
  managedImage,
  parseImageReference,
  PLAUSIBLE_IMAGE_RULE,
  resolveScaling,
  ScalingRequest,
  scalingProblems,
  verdictForImage,
  verdictForManagedImage,
  VERSION_RULE,
} from './app-rules';
import { PackageStatus } from './app-version';

describe('version rule', () => {
  it.each(['1.2', '0.1', '1.2.3', '1.2.3.4', '10.20.30.40', '2024.01.15'])('accepts %s', (version) => {
    expect(VERSION_RULE.test(version)).toBe(true);
  });
  it.each(['1', '1.2.3.4.5', 'v1.2', '1.2-beta', '1..2', '.1.2', '1.2.', '', '1.a', ' 1.2', '1.2\n'])(
    'refuses %j',
    (version) => expect(VERSION_RULE.test(version)).toBe(false),
  );
});

describe('app name rule (DNS label)', () => {
  it.each(['nginx1', 'a', 'my-app', '1app', 'a'.repeat(63)])('accepts %s', (name) => {
    expect(APP_NAME_RULE.test(name)).toBe(true);
  });
  it.each(['', 'Nginx', '-app', 'app-', 'my_app', 'my.app', 'a'.repeat(64), 'app name'])(
    'refuses %j',
    (name) => {
      expect(APP_NAME_RULE.test(name)).toBe(false);
    },
  );
});

describe('env name rule', () => {
  it.each(['NGINX_PATH', '_x', 'a1'])('accepts %s', (name) => expect(ENV_NAME_RULE.test(name)).toBe(true));
  it.each(['', '1A', 'A-B', 'A B', 'A.B'])('refuses %j', (name) =>
    expect(ENV_NAME_RULE.test(name)).toBe(false),
  );
});

describe('image references', () => {
  it.each([
    ['nginx', { registry: 'docker.io', repository: 'nginx', tag: null, digest: null }],
    ['nginx:latest', { registry: 'docker.io', repository: 'nginx', tag: 'latest', digest: null }],
    [
      'library/nginx:1.25.3',
      { registry: 'docker.io', repository: 'library/nginx', tag: '1.25.3', digest: null },
    ],
    [
      'registry.example.com:5000/team/app:v1',
      { registry: 'registry.example.com:5000', repository: 'team/app', tag: 'v1' },
    ],
    ['localhost/app', { registry: 'localhost', repository: 'app', tag: null }],
    ['localhost:5000/app', { registry: 'localhost:5000', repository: 'app', tag: null }],
    ['[::1]:5000/app:1', { registry: '[::1]:5000', repository: 'app', tag: '1' }],
    ['ghcr.io/o/my__app-x.y:1_0', { registry: 'ghcr.io', repository: 'o/my__app-x.y', tag: '1_0' }],
    [
      `nginx@sha256:${'a'.repeat(64)}`,
      { repository: 'nginx', tag: null, digest: `sha256:${'a'.repeat(64)}` },
    ],
    [
      `nginx:1@sha256:${'b'.repeat(64)}`,
      { repository: 'nginx', tag: '1', digest: `sha256:${'b'.repeat(64)}` },
    ],
  ])('parses %s', (reference, expected) => {
    expect(parseImageReference(reference)).toMatchObject(expected);
  });

  it.each([
    ['Nginx', /path component "Nginx"/],
    ['nginx:', /invalid tag ""/],
    ['nginx:-x', /invalid tag/],
    [`nginx:${'t'.repeat(129)}`, /invalid tag/],
    ['nginx@sha256:abc', /invalid digest/],
    ['a//b', /path component ""/],
    ['team/app/', /path component ""/],
    ['my_.app', /path component/],
    ['bad_host.io/app', /invalid registry host/],
    [':tag', /no repository name/],
    [`a/${'b'.repeat(255)}`, /longer than 255/],
  ])('refuses %s', (reference, reason) => {
    const parsed = parseImageReference(reference);
    expect(parsed).toHaveProperty('error');
    expect((parsed as { error: string }).error).toMatch(reason);
  });

  it('a request image only has to look plausible; the worker decides on the rest', () => {
    for (const image of ['nginx:latest', 'Nginx', 'nginx:', '[::1]:5000/app'])
      expect(PLAUSIBLE_IMAGE_RULE.test(image)).toBe(true);
    for (const image of ['', ' nginx', 'nginx latest', '-nginx', ':tag', 'nginx\n', 'ngïnx']) {
      expect(PLAUSIBLE_IMAGE_RULE.test(image)).toBe(false);
    }
  });

  it('an image in an unmanaged registry is available without a digest; an unparsable one is corrupt', () => {
    expect(verdictForImage('nginx:latest')).toEqual({
      status: PackageStatus.Available,
      detail: 'image in an unmanaged registry (docker.io): no digest recorded',
    });
    expect(verdictForImage('Nginx:latest')).toEqual({
      status: PackageStatus.Corrupt,
      detail: expect.stringContaining('image reference "Nginx:latest" cannot be parsed'),
    });
  });
});

describe('images in the platform registry', () => {
  const host = 'registry.local:5000';
  it('are those whose host is the registry, resolved by digest, tag or latest', () => {
    expect(managedImage(`${host}/team/app:v1`, host)).toEqual({ repository: 'team/app', reference: 'v1' });
    expect(managedImage(`REGISTRY.local:5000/team/app`, host)).toEqual({
      repository: 'team/app',
      reference: 'latest',
    });
    const digest = `sha256:${'c'.repeat(64)}`;
    expect(managedImage(`${host}/team/app:v1@${digest}`, host)).toEqual({
      repository: 'team/app',
      reference: digest,
    });
    expect(managedImage('team/app:v1', host)).toBeNull();
    expect(managedImage(`${host}/team/app:v1`, null)).toBeNull();
    expect(managedImage(`${host}/Team/app`, host)).toBeNull();
  });
  it('are available with their digest, or incomplete when the registry lacks them', () => {
    const image = { repository: 'team/app', reference: 'v1' };
    expect(verdictForManagedImage(image, 'sha256:abc')).toEqual({
      status: PackageStatus.Available,
      detail: 'image digest sha256:abc',
      imageDigest: 'sha256:abc',
    });
    expect(verdictForManagedImage(image, null)).toEqual({
      status: PackageStatus.Incomplete,
      detail: "image team/app:v1 is not in the platform's registry",
      imageDigest: null,
    });
  });
});

describe('a chart package', () => {
  it('runs the images stored comma-separated; a workload its one', () => {
    expect(appImages({ deployType: 'chart', image: 'a:1,b:2' })).toEqual(['a:1', 'b:2']);
    expect(appImages({ deployType: 'chart', image: '' })).toEqual([]);
    expect(appImages({ deployType: 'deployment', image: 'a:1' })).toEqual(['a:1']);
  });

  it('is decided by its first image that is not available, else available', () => {
    const ok = (detail: string) => ({ status: PackageStatus.Available, detail });
    const missing = { status: PackageStatus.Incomplete, detail: 'image x:1 is missing', imageDigest: null };
    const corrupt = { status: PackageStatus.Corrupt, detail: 'image y cannot be parsed' };
    expect(verdictForChart([ok('a'), missing, corrupt])).toEqual({
      status: PackageStatus.Incomplete,
      detail: 'image x:1 is missing',
    });
    expect(verdictForChart([ok('image digest sha256:1'), ok('unmanaged')])).toEqual({
      status: PackageStatus.Available,
      detail: 'image digest sha256:1; unmanaged',
    });
    expect(verdictForChart([])).toEqual({
      status: PackageStatus.Available,
      detail: 'the chart runs no images',
    });
  });
});

describe('scaling', () => {
  const base: ScalingRequest = {
    isHPA: false,
    minCPU: 10,
    maxCPU: 200,
    minMemory: 100,
    maxMemory: 200,
    maxUnavailable: 1,
    maxSurge: 1,
    targetCPUUtilization: 100,
    targetMemUtilization: 150,
  };
  const problems = (request: Partial<ScalingRequest>) => {
    const full = { ...base, ...request };
    return scalingProblems(full, resolveScaling(full));
  };

  it('fills absent replica counts from what was sent', () => {
    expect(resolveScaling(base)).toEqual({ replicas: 1, minReplicas: 1, maxReplicas: 1 });
    expect(resolveScaling({ ...base, replicas: 10 })).toEqual({
      replicas: 10,
      minReplicas: 10,
      maxReplicas: 10,
    });
    expect(resolveScaling({ ...base, minReplicas: 3 })).toEqual({
      replicas: 3,
      minReplicas: 3,
      maxReplicas: 3,
    });
    expect(resolveScaling({ ...base, replicas: 5, maxReplicas: 2 })).toEqual({
      replicas: 5,
      minReplicas: 2,
      maxReplicas: 2,
    });
    expect(resolveScaling({ ...base, replicas: 10, minReplicas: 2, maxReplicas: 20 })).toEqual({
      replicas: 10,
      minReplicas: 2,
      maxReplicas: 20,
    });
  });

  it('accepts the seed example', () => {
    expect(problems({ replicas: 10, minReplicas: 2, maxReplicas: 20, isHPA: true })).toEqual([]);
  });

  it('needs utilization targets above 0 for an autoscaler, which Kubernetes refuses otherwise', () => {
    expect(problems({ isHPA: true, targetCPUUtilization: 0, targetMemUtilization: 0 })).toEqual([
      'targetCPUUtilization must be at least 1 when isHPA is true',
      'targetMemUtilization must be at least 1 when isHPA is true',
    ]);
    expect(problems({ isHPA: false, targetCPUUtilization: 0, targetMemUtilization: 0 })).toEqual([]);
  });

  it('names the fields of every min above its max', () => {
    const found = problems({
      minReplicas: 5,
      maxReplicas: 2,
      minCPU: 300,
      maxCPU: 200,
      minMemory: 300,
      maxMemory: 200,
    });
    expect(found).toEqual([
      'minReplicas (5) must not be greater than maxReplicas (2)',
      'minCPU (300) must not be greater than maxCPU (200)',
      'minMemory (300) must not be greater than maxMemory (200)',
    ]);
  });

  it('keeps replicas within the bounds only for an autoscaled application', () => {
    expect(problems({ replicas: 30, minReplicas: 2, maxReplicas: 20 })).toEqual([]);
    expect(problems({ replicas: 30, minReplicas: 2, maxReplicas: 20, isHPA: true })).toEqual([
      'replicas (30) must be within minReplicas..maxReplicas (2..20) when isHPA is true',
    ]);
    expect(problems({ replicas: 1, minReplicas: 2, maxReplicas: 20, isHPA: true })).toHaveLength(1);
    expect(problems({ replicas: 0, minReplicas: 0, maxReplicas: 2, isHPA: true })).toEqual([
      'minReplicas must be at least 1 when isHPA is true',
    ]);
  });

  it('refuses a rolling update that can neither add nor remove a pod', () => {
    expect(problems({ maxUnavailable: 0, maxSurge: 0 })).toEqual([
      'maxUnavailable and maxSurge must not both be 0',
    ]);
    expect(problems({ maxUnavailable: 0, maxSurge: 1 })).toEqual([]);
  });
});

describe('duplicates', () => {
  it('names repeated ports, host ports, mount paths and variables', () => {
    expect(
      duplicateProblems({
        port: [{ port: 80, hostPort: 8080 }, { port: 80, hostPort: 8080 }, { port: 81 }],
        volume: [{ path: '/a' }, { path: '/a' }],
        env: [{ name: 'A' }, { name: 'B' }, { name: 'A' }],
      }),
    ).toEqual([
      'port: port 80 appears twice',
      'port: hostPort 8080 appears twice',
      'volume: path /a appears twice',
      'env: name A appears twice',
    ]);
    expect(duplicateProblems({ port: [{ port: 80 }, { port: 81 }] })).toEqual([]);
  });
});
