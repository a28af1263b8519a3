import { Histogram } from 'prom-client';

type StoreHistogram = Histogram<'store' | 'operation'>;

/**
 * The same store, with the time of each of its operations (every method returning a promise)
 * observed in `histogram` as `{store, operation: <method name>}`. One wrapper for every port
 * (PostStore, AccountStore, Replica), so a method added to a port is timed without a change
 * here. Methods run with the store itself as `this`: a method calling another is one operation.
 */
export function timedStore<T extends object>(store: T, name: string, histogram: StoreHistogram): T {
  const wrappers = new Map<PropertyKey, { method: unknown; timed: unknown }>();
  return new Proxy(store, {
    get(target, property) {
      const method: unknown = Reflect.get(target, property, target);
      if (typeof method !== 'function' || property === 'constructor') return method;
      const known = wrappers.get(property);
      if (known?.method === method) return known.timed;
      const operation = String(property);
      const timed = (...args: unknown[]): unknown => {
        const started = process.hrtime.bigint();
        const result: unknown = Reflect.apply(method, target, args);
        if (!(result instanceof Promise)) return result;
        return result.finally(() =>
          histogram.observe(
            { store: name, operation },
            Number(process.hrtime.bigint() - started) / 1e9,
          ),
        );
      };
      wrappers.set(property, { method, timed });
      return timed;
    },
  });
}
