# One image for every Atrium service: the gateway, each subgraph and the CLI.
# Each container picks what it runs with its command (see docker-compose.yml and k8s/).
FROM node:24-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first so this layer is cached until the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# Node 24 runs the TypeScript sources directly (type stripping): no build step.
COPY kernel/ ./kernel/
COPY gateway/ ./gateway/
COPY subgraphs/ ./subgraphs/
COPY schema/ ./schema/
COPY cli/ ./cli/
COPY dev/ ./dev/
COPY cdc/ ./cdc/
COPY deploy/ ./deploy/

# The official image's unprivileged user (uid 1000); the files above stay root-owned and read-only to it.
USER node
# Services bind loopback by default (kernel/config.ts HOST); in a container they must listen on all interfaces.
ENV HOST=0.0.0.0

EXPOSE 4000
CMD ["node", "gateway/src/main.ts"]
