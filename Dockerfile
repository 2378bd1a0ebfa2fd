# One image for every role; the role is the command: `docker run IMAGE validator` (see compose.yaml).
# Stage 1 installs the production dependencies from the lockfile; stage 2 checks the types with the
# full toolchain; the runtime stage copies only what running needs and runs as the unprivileged
# `node` user.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS check
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run typecheck

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/app/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# The typecheck stage must pass for the image to build (a dependency BuildKit would otherwise skip).
COPY --from=check /app/package.json ./package.json
COPY tsconfig.json ./
COPY bin ./bin
COPY schemas ./schemas
COPY runtime ./runtime
COPY db ./db
COPY oracles ./oracles
COPY slim ./slim
COPY consensus ./consensus
COPY gateway ./gateway
COPY web ./web
COPY demo ./demo
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080 9003 9009 9013
ENTRYPOINT ["node", "--import", "tsx", "bin/role.ts"]
CMD ["gateway"]
