/** resource.Quantity: parse and canonicalize. */

// Quantities (resource.Quantity): parse, canonicalize
// ---------------------------------------------------------------------------

const QTY_RE =
  /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
export const QTY_MSG =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const BIN: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DEC: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const DEC_SUFFIX: Record<number, string> = {
  [-9]: 'n',
  [-6]: 'u',
  [-3]: 'm',
  0: '',
  3: 'k',
  6: 'M',
  9: 'G',
  12: 'T',
  15: 'P',
  18: 'E',
};

/** Quantity as a float (cpu in cores, memory in bytes); undefined if invalid. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = QTY_RE.exec(q.trim());
  if (!m) return undefined;
  const num = Number(m[1]);
  const suf = m[2] ?? '';
  if (suf in BIN) return num * Math.pow(1024, BIN[suf] as number);
  if (suf in DEC) return num * Math.pow(10, DEC[suf] as number);
  return num * Math.pow(10, Number(suf.slice(1)));
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Canonical form of a quantity as the API server prints it ("0.5" -> "500m", "1024Mi" -> "1Gi"). */
export function canonicalQuantity(q: string | number): string | undefined {
  const s = typeof q === 'number' ? String(q) : q.trim();
  const m = QTY_RE.exec(s);
  if (!m) return undefined;
  let mant = m[1] as string;
  const suf = m[2] ?? '';
  let neg = false;
  if (mant.startsWith('-')) {
    neg = true;
    mant = mant.slice(1);
  } else if (mant.startsWith('+')) mant = mant.slice(1);
  const [ip = '', fp = ''] = mant.split('.');
  const digits = BigInt((ip + fp).replace(/^0+(?=\d)/, '') || '0');
  const scale = fp.length; // value = digits * 10^-scale * suffix
  const sign = neg ? '-' : '';
  if (suf in BIN) {
    // value in bytes = digits * 1024^k / 10^scale
    const k = BIN[suf] as number;
    const num = digits * 1024n ** BigInt(k);
    const den = pow10(scale);
    if (num % den !== 0n) {
      // not an integer number of bytes: fall back to decimal formatting (rounded up to nano units)
      return canonicalDecimal(num, den, sign, false);
    }
    let v = num / den;
    if (v === 0n) return '0';
    let e = 0;
    while (e < 6 && v % 1024n === 0n) {
      v /= 1024n;
      e++;
    }
    if (e === 0) return canonicalDecimal(v, 1n, sign, false);
    return sign + v.toString() + (Object.keys(BIN).find((x) => BIN[x] === e) as string);
  }
  let exp = 0;
  let expForm = false;
  if (suf in DEC) exp = DEC[suf] as number;
  else {
    exp = Number(suf.slice(1));
    expForm = true;
  }
  // value = digits * 10^(exp - scale)
  const e2 = exp - scale;
  return e2 >= 0
    ? canonicalDecimal(digits * pow10(e2), 1n, sign, expForm)
    : canonicalDecimal(digits, pow10(-e2), sign, expForm);
}

function canonicalDecimal(num: bigint, den: bigint, sign: string, expForm: boolean): string {
  // nano units, rounded up like resource.Quantity does
  let nanos = (num * pow10(9)) / den;
  if ((num * pow10(9)) % den !== 0n) nanos += 1n;
  if (nanos === 0n) return '0';
  let best = -9;
  for (let e = 18; e >= -9; e -= 3) {
    if (nanos % pow10(e + 9) === 0n) {
      best = e;
      break;
    }
  }
  const v = nanos / pow10(best + 9);
  if (expForm) return sign + v.toString() + (best === 0 ? '' : `e${best}`);
  return sign + v.toString() + (DEC_SUFFIX[best] as string);
}

// ---------------------------------------------------------------------------
