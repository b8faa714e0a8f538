# syntax=docker/dockerfile:1
# Stackwright image: the `stackwright` CLI, the watcher and the workers.
#   docker build -t registry.example.com/stackwright:0.1.0 .
# glibc base (Debian bookworm), not alpine: @temporalio/core-bridge ships a
# native module built against glibc.

ARG NODE_IMAGE=node:20-bookworm-slim

# Compile TypeScript to dist/ and prebuild the workflow bundle, so workers start without webpack.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (tsc) needs the sources, which are copied next.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build \
  && node dist/scripts/build-workflow-bundle.js dist/workflow-bundle.js

# Production dependencies only, from the same lockfile.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force

FROM ${NODE_IMAGE}
# MALLOC_ARENA_MAX=2: glibc otherwise keeps a malloc arena per thread (the SDK's
# Rust core and libuv run many); two cut every process's peak RSS by 17-37 MB
# for 3-6 % more CPU (bench/README.md, P4).
ENV NODE_ENV=production \
    STACKWRIGHT_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    MALLOC_ARENA_MAX=2
WORKDIR /app
# Owned by root and read-only to the app user: the process cannot change its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# A numeric non-root user, so Kubernetes can verify runAsNonRoot.
USER 10001:10001
ENTRYPOINT ["node", "dist/cli/cli.js"]
CMD ["--help"]
