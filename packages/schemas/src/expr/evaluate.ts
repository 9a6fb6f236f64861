import type { ExprNode, GroupNode } from './compile.js';

/** Where an expression reads variables: `ctx.vars`-style getter or a plain lookup function. */
export type VarLookup = ((name: string) => unknown) | { get(name: string): unknown };

function read(vars: VarLookup, name: string): unknown {
  return typeof vars === 'function' ? vars(name) : vars.get(name);
}

/** v1.lua eval_and / eval_or with short-circuit; walks the compiled tree without allocating. */
export function evalGroup(g: GroupNode, vars: VarLookup): boolean {
  const stopOn = g.or;
  let res = !stopOn;
  const items = g.items;
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    const v = it.kind === 0 ? it.test(read(vars, it.name)) !== it.reverse : evalGroup(it, vars);
    if (v === stopOn) {
      res = stopOn;
      break;
    }
  }
  return g.not ? !res : res;
}

/** Evaluate one compiled node. */
export function evalNode(node: ExprNode, vars: VarLookup): boolean {
  return node.kind === 0 ? node.test(read(vars, node.name)) !== node.reverse : evalGroup(node, vars);
}
