# syntax=docker/dockerfile:1.7
# Portico: one image for the Admin API and the data plane; the command picks the process.
#   docker build -t portico .
#   docker run -e PORTICO_ADMIN_KEY=... -e PORTICO_ETCD_HOST=http://etcd:2379 portico admin
#   docker run -e PORTICO_ETCD_HOST=http://etcd:2379 portico data-plane
# See docs/production.md. The runtime tree is assembled by deploy/docker/assemble.sh, which the
# test deploy/test/image-runtime.test.ts also runs and then starts, as the image would.

ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# --- deps: every package of the lockfile in pnpm's store (cached until the lockfile changes) ---
FROM ${NODE_IMAGE} AS deps
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH TURBO_TELEMETRY_DISABLED=1 CI=true
# The pnpm version of package.json's packageManager field.
RUN npm install -g pnpm@10.34.9 && pnpm --version
WORKDIR /src
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm config set store-dir /pnpm/store && pnpm fetch

# --- build: install offline from the store, compile with turbo, assemble the prod-only tree ---
FROM deps AS build
COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --offline \
 && pnpm exec turbo run build --filter=@portico/admin... --filter=@portico/data-plane... \
 && bash deploy/docker/assemble.sh /out

# --- runtime: node + the two apps with production dependencies only, as a non-root user ---
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=""
LABEL org.opencontainers.image.title="portico" \
      org.opencontainers.image.description="Apache APISIX-compatible AI gateway: Admin API (:9180) and data plane (:9080) in one image" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}"
ENV NODE_ENV=production \
    PORTICO_HOME=/app \
    PORTICO_CONF=/app/conf/config.yaml
RUN groupadd --system --gid 10001 portico \
 && useradd --system --uid 10001 --gid portico --home-dir /app --shell /usr/sbin/nologin portico
WORKDIR /app
COPY --from=build --chown=root:root /out/ /app/
# Writable only where the processes write: logs/ (a file access_log) and conf/ (admin key write-back).
RUN mkdir -p /app/logs && chown portico:portico /app/logs /app/conf /app/conf/config.yaml \
 && ln -s /app/portico /usr/local/bin/portico
USER 10001:10001
# 9080 data plane (apisix.node_listen), 9180 Admin API (deployment.admin.admin_listen),
# 7085 status API of the data plane (apisix.status: /status, /status/ready).
EXPOSE 9080 9180 7085
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["/app/portico", "healthcheck"]
ENTRYPOINT ["/app/portico"]
CMD ["data-plane"]
