/**
 * zod's CommonJS entry loads all of its ~50 message locales for `z.locales`: about 20 ms of CPU at every start of
 * the provider host (a third of loading this provider), though the provider never uses one (zod's English, which
 * zod sets up from its own module, is all it needs). Imported first by `index.ts`, this puts a stand-in for that
 * one module in Node's module cache before zod loads: the first read of it (`z.locales.de`, its keys) loads the
 * real module and answers from it, so nothing but the time of that load changes. Where zod is loaded another way
 * (as ES modules, or already), this does nothing.
 */
import { Module } from "node:module";

function standIn(): void {
  let file: string;
  try {
    file = require.resolve("zod/v4/locales");
  } catch {
    return; // another zod layout: it loads as it does
  }
  if (!file.endsWith(".cjs") || require.cache[file]) return;
  let real: object | undefined;
  const load = (): object => {
    if (!real) {
      delete require.cache[file];
      real = require(file) as object;
    }
    return real;
  };
  const exports = new Proxy({} as object, {
    // zod's import helper asks only this before keeping the module as it is.
    get: (_t, key) => (key === "__esModule" ? true : Reflect.get(load(), key)),
    has: (_t, key) => Reflect.has(load(), key),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_t, key) => {
      const d = Reflect.getOwnPropertyDescriptor(load(), key);
      return d && { ...d, configurable: true }; // a proxy may not report a property its target lacks as fixed
    },
  });
  const m = new Module(file, module);
  m.filename = file;
  m.loaded = true;
  m.exports = exports;
  require.cache[file] = m;
}

standIn();
