# jobscheduler as a container image; how to run it: docs/deployment.md#containers.
#
#   docker build -t jobscheduler .
#   podman build --format docker -t jobscheduler .   # the docker format keeps the HEALTHCHECK
#
# Three stages from one base: `build` compiles the server and the dashboard with every
# dependency, `deps` installs the production dependencies alone, and the final stage copies
# both results into a clean base, so no compiler, test tool or npm cache reaches the image.

FROM docker.io/library/node:20-bookworm-slim AS base
WORKDIR /app

FROM base AS build
COPY package.json package-lock.json ./
# --ignore-scripts: the package's `prepare` would build before the sources are copied.
RUN --mount=type=cache,id=jobscheduler-npm,target=/root/.npm,sharing=locked \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build

FROM base AS deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,id=jobscheduler-npm,target=/root/.npm,sharing=locked \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM base
# tini is pid 1: it hands SIGTERM to Node, which then stops gracefully (docs/deployment.md,
# "Stopping cleanly"), reaps the processes health checks leave behind, and exits with Node's code.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
# A system user of its own with fixed ids, so a bind-mounted /data can be chowned to it ahead.
RUN groupadd --system --gid 10001 jobscheduler \
    && useradd --system --uid 10001 --gid jobscheduler --home-dir /data --no-create-home --shell /usr/sbin/nologin jobscheduler \
    && install -d -o jobscheduler -g jobscheduler -m 700 /data
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY src/store/migrations ./src/store/migrations

# HOST=0.0.0.0 makes the port reachable through the container's network. A node serving the
# API refuses to start there without JOBSCHEDULER_API_KEYS (or JOBSCHEDULER_INSECURE=true),
# so the image is never an open relay by accident; scheduler nodes serve only probes and metrics.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    JOBSCHEDULER_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
USER 10001:10001

# Node itself asks /health, on the port the node listens on (set PORT in the environment).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# The launcher's first line starts Node.js with the flags the engine needs (src/cli/runtime-flags.ts).
ENTRYPOINT ["/usr/bin/tini", "--", "/app/bin/jobscheduler"]
CMD ["serve"]
