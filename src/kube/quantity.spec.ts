import { parseQuantity } from './quantity';

describe('parseQuantity', () => {
  it.each([
    ['8148012Ki', 8148012 * 1024],
    ['1Gi', 2 ** 30],
    ['512Mi', 512 * 2 ** 20],
    ['4', 4],
    ['500m', 0.5],
    ['1.5', 1.5],
    ['2k', 2000],
    ['1G', 1e9],
    ['1e3', 1000],
    ['', 0],
  ])('%s', (text, expected) => {
    expect(parseQuantity(text)).toBeCloseTo(expected);
  });

  it('rejects what is not a quantity', () => {
    expect(() => parseQuantity('lots')).toThrow();
    expect(() => parseQuantity('1Xi')).toThrow();
  });
});
