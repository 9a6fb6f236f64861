/** Euclid's gcd as lua-resty-balancer computes it (gcd(a, 0) = a). */
export function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}
