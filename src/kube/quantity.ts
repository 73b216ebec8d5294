const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** The value of a Kubernetes resource quantity ("8148012Ki", "500m", "1.5G", "1e3"), in base units. */
export function parseQuantity(quantity: string | undefined): number {
  if (!quantity) return 0;
  const match = /^([+-]?\d+(?:\.\d+)?|[+-]?\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE])?$/.exec(
    quantity.trim(),
  );
  if (!match) throw new Error(`not a Kubernetes quantity: ${quantity}`);
  const [, number, suffix = ''] = match;
  const multiplier = BINARY[suffix] ?? DECIMAL[suffix] ?? 10 ** Number(suffix.slice(1));
  return Number(number) * multiplier;
}
