// Container health probe (Dockerfile HEALTHCHECK and the compose `app` healthcheck): exits 0 when
// GET /health on this container answers 2xx, 1 otherwise (503 = a store is down, or no answer).
// Uses only Node's built-in fetch so the runtime image needs no curl/wget.
/* global fetch, AbortSignal */
const port = process.env.PORT || '3000';
const timeoutMs = Number(process.env.HEALTHCHECK_PROBE_TIMEOUT_MS) || 4000;

fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(timeoutMs) }).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);
