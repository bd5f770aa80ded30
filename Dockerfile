# Stratum runs its TypeScript sources through tsx (bin/stratum.js), so the image holds the
# sources, not a build. tsx is a runtime dependency, so `npm ci --omit=dev` keeps everything
# the server needs (test/ops/container.test.ts checks that src and bin import no dev package).
FROM node:20-slim

ENV NODE_ENV=production \
    PORT=4000 \
    STRATUM_DATA_DIR=/data
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY bin ./bin
COPY drizzle ./drizzle
COPY src ./src

# Without DATABASE_URL the embedded database lives in /data: the only directory the
# unprivileged user may write (tsx's transform cache goes to the temp directory).
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node

EXPOSE 4000
# node:20-slim has no curl: Node's own fetch asks /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "bin/stratum.js", "serve"]
