import type { AiBudgetMetadata, ModelPrice } from './schema.js';

/** Usage of one LLM call, as ai-proxy recorded it. */
export interface BilledUsage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens served from the provider's prompt cache (part of promptTokens). */
  cachedPromptTokens: number;
}

interface WildcardPrice {
  prefix: string;
  suffix: string;
  price: ModelPrice;
}

/**
 * The metadata's price list, compiled once per metadata revision: exact names in a map,
 * wildcard names (`gpt-4o*`, `*-mini`, `claude-*-latest`) tried longest-pattern first.
 */
export class PriceTable {
  readonly currency: string;
  private readonly exact = new Map<string, ModelPrice>();
  private readonly wildcards: WildcardPrice[] = [];
  private readonly fallback: ModelPrice | undefined;

  constructor(meta: AiBudgetMetadata | undefined) {
    this.currency = meta?.currency ?? 'USD';
    this.fallback = meta?.default_price;
    for (const [name, price] of Object.entries(meta?.prices ?? {})) {
      const star = name.indexOf('*');
      if (star < 0) this.exact.set(name, price);
      else this.wildcards.push({ prefix: name.slice(0, star), suffix: name.slice(star + 1), price });
    }
    this.wildcards.sort((a, b) => b.prefix.length + b.suffix.length - (a.prefix.length + a.suffix.length));
  }

  /** The price of `model`, or undefined when the list has none and no default. */
  priceOf(model: string | undefined): ModelPrice | undefined {
    if (model !== undefined) {
      const e = this.exact.get(model);
      if (e) return e;
      for (const w of this.wildcards) {
        if (model.length >= w.prefix.length + w.suffix.length && model.startsWith(w.prefix) && model.endsWith(w.suffix)) {
          return w.price;
        }
      }
    }
    return this.fallback;
  }
}

/**
 * Cost in micro-units of the currency (integers, so Redis INCRBY can add them): a price per
 * 1M tokens is exactly micro-units per token. Rounded up, so no call is ever free by rounding.
 */
export function costMicros(price: ModelPrice, u: BilledUsage): number {
  const cached = Math.min(Math.max(0, u.cachedPromptTokens), u.promptTokens);
  const raw =
    (u.promptTokens - cached) * price.input + cached * (price.cached_input ?? price.input) + u.completionTokens * price.output;
  return Math.ceil(raw - 1e-9);
}

/** Micro-units as a decimal string in currency units, trailing zeros trimmed (`0.0125`). */
export function formatMoney(micros: number): string {
  const neg = micros < 0;
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / 1e6);
  const frac = String(abs % 1e6)
    .padStart(6, '0')
    .replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** Currency units (from a conf) to micro-units. */
export const toMicros = (amount: number): number => Math.round(amount * 1e6);
