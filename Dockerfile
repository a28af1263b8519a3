# syntax=docker/dockerfile:1
# Blog (NestJS) image: the HTTP server by default; the same image runs the CLI
# (`node dist/src/cli.js ...`, e.g. `schema migrate`, which must run before the server in production).
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: all dependencies + `nest build` -> /app/dist --------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# Everything else the compiler needs (see .dockerignore for what stays out of the context).
COPY . .
RUN npm run build \
 && test -f dist/src/main.js \
 && test -f dist/src/cli.js

# ---- prod-deps: production node_modules only ----------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
# Files stay owned by root (read-only for the app); the process runs as the image's `node` user.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY views ./views
COPY public ./public
COPY migrations ./migrations
COPY scripts/docker/healthcheck.js ./scripts/docker/healthcheck.js
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "scripts/docker/healthcheck.js"]
CMD ["node", "dist/src/main.js"]
