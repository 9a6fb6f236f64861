// Module hooks for import-graph.test.ts: run the admin's TypeScript sources on node 20
// (relative `.js` imports fall back to `.ts`, `.ts` is transpiled, types stripped) and append
// every resolved module URL to the file named by PORTICO_IMPORT_LOG.
import { appendFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import ts from 'typescript';

const log = process.env.PORTICO_IMPORT_LOG;

export async function resolve(specifier, context, next) {
  let out;
  try {
    out = await next(specifier, context);
  } catch (err) {
    if (!(specifier.startsWith('.') && specifier.endsWith('.js'))) throw err;
    out = await next(`${specifier.slice(0, -3)}.ts`, context);
  }
  if (log) appendFileSync(log, `${out.url}\n`);
  return out;
}

export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const source = await readFile(new URL(url), 'utf8');
  const out = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    fileName: url,
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
