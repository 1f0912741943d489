# syntax=docker/dockerfile:1
# The gateway as an image: build with every dependency, run with runtime ones only, as a
# non-root user, with node itself as the process that receives SIGTERM. Each RUN is one step of
# scripts/container-steps.sh, which CI runs end to end in a temporary folder (`all`).
#
#   docker build -t rest-graph-gateway .
#   docker run --rm -p 4000:4000 -e SIMULATORS=true rest-graph-gateway
#
# The Node of these machines and the oldest that package.json's engines allow.
ARG NODE_IMAGE=node:20.20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/container-steps.sh scripts/
RUN bash scripts/container-steps.sh deps
COPY tsconfig.json tsconfig.build.json ./
COPY schema schema
COPY src src
RUN bash scripts/container-steps.sh build

FROM ${NODE_IMAGE} AS runtime-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/container-steps.sh scripts/
RUN bash scripts/container-steps.sh runtime-deps

FROM ${NODE_IMAGE}
# Production: real upstreams required (or SIMULATORS=true), a 5 s shutdown delay, no landing page.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000
WORKDIR /app
COPY package.json package-lock.json ./
COPY schema schema
COPY scripts/container-steps.sh scripts/
COPY --from=runtime-deps /app/node_modules node_modules
COPY --from=build /app/dist dist
# The node image's unprivileged user (uid 1000); the files above stay root's, read-only to it.
USER node
EXPOSE 4000
# /readyz: 503 while starting, while draining after SIGTERM, and while every upstream's circuit is open.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["bash", "scripts/container-steps.sh", "healthcheck"]
STOPSIGNAL SIGTERM
# Exec form, node as PID 1: SIGTERM reaches main.ts, which drains (SHUTDOWN_DELAY_MS, then
# SHUTDOWN_GRACE_MS). Not `npm start`: npm would be PID 1 and the shutdown would not be ours.
CMD ["node", "dist/src/main.js"]
