import type { IpList } from './ip.js';
import { luaToNumber } from './tonumber.js';
import { ExprError } from './error.js';

/** A comparison with its right-hand value bound at compile time; gets the variable's value. */
export type Compare = (left: unknown) => boolean;

const never: Compare = () => false;

function regexFor(op: string, right: unknown): RegExp {
  // ngx.re.find coerces a number pattern to a string; nil / tables make it raise.
  if (typeof right !== 'string' && typeof right !== 'number') throw new ExprError(`invalid regex: ${String(right)}`);
  try {
    return new RegExp(String(right), op === '~*' ? 'i' : '');
  } catch (err) {
    // PCRE syntax JS cannot compile (e.g. possessive quantifiers) cannot be evaluated here.
    throw new ExprError(`invalid regex: ${(err as Error).message}`);
  }
}

function numeric(op: string, right: unknown): Compare {
  const r = luaToNumber(right);
  if (r === undefined) return never;
  switch (op) {
    case '>':
      return (l) => {
        const n = luaToNumber(l);
        return n !== undefined && n > r;
      };
    case '>=':
      return (l) => {
        const n = luaToNumber(l);
        return n !== undefined && n >= r;
      };
    case '<':
      return (l) => {
        const n = luaToNumber(l);
        return n !== undefined && n < r;
      };
    default:
      return (l) => {
        const n = luaToNumber(l);
        return n !== undefined && n <= r;
      };
  }
}

/**
 * v1.lua compare_funcs, specialised on the right-hand value once. `regex` false (validation)
 * binds regex operators to a stub, since lua-resty-expr never compiles patterns in `new`.
 */
export function compareFor(op: string, rawRight: unknown, regex: boolean): Compare {
  // compare_val: a JSON null (ngx.null) on the right compares as nil.
  const right = rawRight === null ? undefined : rawRight;
  switch (op) {
    case '==':
      if (typeof right === 'number') return (l) => luaToNumber(l) === right;
      return (l) => l === right;
    case '~=':
      if (typeof right === 'number')
        return (l) => {
          const n = luaToNumber(l);
          return n === undefined || n !== right;
        };
      return (l) => l !== right;
    case '>':
    case '>=':
    case '<':
    case '<=':
      return numeric(op, right);
    case '~~':
    case '~*': {
      if (!regex) return never;
      const re = regexFor(op, right);
      return (l) => (typeof l === 'string' ? re.test(l) : typeof l === 'number' ? re.test(String(l)) : false);
    }
    case 'in': {
      if (!Array.isArray(right)) return never;
      const set = new Set<unknown>(right);
      return (l) => l !== undefined && set.has(l);
    }
    case 'has':
      // The variable must be an array (nginx variables are strings, so never for those).
      return (l) => {
        if (!Array.isArray(l) || right === undefined) return false;
        for (let i = 0; i < l.length; i++) if (l[i] === right) return true;
        return false;
      };
    case 'ipmatch': {
      const ips = rawRight as IpList;
      return (l) => typeof l === 'string' && ips.match(l);
    }
    default:
      throw new ExprError(`invalid operator '${op}'`);
  }
}
