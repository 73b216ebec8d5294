import type { Manifest } from './registry-client';
import { retag } from './retag';

const manifest: Manifest = {
  digest: 'sha256:1',
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  body: Buffer.from('{}'),
};

describe('retag', () => {
  it('tries every tag again after a failed PUT, and keeps the ones that went through', async () => {
    const kept: string[] = [];
    let flaky = 2;
    await retag(
      'p/web',
      [
        ['v1', manifest],
        ['v2', manifest],
        ['latest', manifest],
      ],
      async (tag) => {
        if (tag === 'v2' && flaky-- > 0) throw new Error('registry hiccup');
        kept.push(tag);
      },
    );
    expect(kept).toEqual(['v1', 'latest', 'v2']);
  });

  it('names the tags it could not keep once its attempts are spent, after trying all the others', async () => {
    const kept: string[] = [];
    await expect(
      retag(
        'p/web',
        [
          ['v1', manifest],
          ['v2', manifest],
        ],
        async (tag) => {
          if (tag === 'v1') throw new Error('registry down');
          kept.push(tag);
        },
      ),
    ).rejects.toMatchObject({ message: 'the image registry failed to keep tag v1 of p/web: push it again' });
    expect(kept).toEqual(['v2']);
  });
});
