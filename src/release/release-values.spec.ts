import { MASK, maskSecrets } from './release-values';

describe('maskSecrets', () => {
  it('masks credentials as the seed shows them and keeps everything else', () => {
    const values = {
      basic: { admin_password: 'x', admin_username: 'username', mysql_port: 3306, mysql_root_password: 'y' },
      image: { tag: '1.0' },
      auth: { apiKey: 'k', token: 't' },
    };
    expect(maskSecrets(values)).toEqual({
      basic: {
        admin_password: MASK,
        admin_username: 'username',
        mysql_port: 3306,
        mysql_root_password: MASK,
      },
      image: { tag: '1.0' },
      auth: { apiKey: MASK, token: MASK },
    });
  });

  it('masks every leaf under a secret-looking key, in lists too', () => {
    expect(maskSecrets({ secrets: { a: 'x', b: [1, 'y'] }, list: [{ password: 'p' }] })).toEqual({
      secrets: { a: MASK, b: [MASK, MASK] },
      list: [{ password: MASK }],
    });
  });
});
