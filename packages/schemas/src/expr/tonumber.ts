/** Decimal literal as Lua's `tonumber` reads it ("10", "-1.5", ".5", "1e3"). */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Hex integer literal, which Lua's `tonumber` also accepts ("0x1A", "-0x10"). */
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]+)$/;

/**
 * Lua `tonumber(v)` for the values an expression sees: numbers pass through, strings are
 * parsed with surrounding whitespace allowed; anything else (nil, tables, booleans) is nil.
 * Unlike JS `Number()`, "" / "0b11" / "0o7" / "Infinity" are not numbers.
 */
export function luaToNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (DECIMAL.test(s)) return Number(s);
  const hex = HEX.exec(s);
  if (hex === null) return undefined;
  const n = parseInt(hex[2]!, 16);
  return hex[1] === '-' ? -n : n;
}
