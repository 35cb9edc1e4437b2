# The optflow image: the CLI (loader, API, migrations, alert rendering) on Node 20. TypeScript runs
# through tsx, so there is no build step; only the runtime workspaces are installed.
FROM node:20.19.5-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY contract/package.json contract/
COPY db/package.json db/
COPY migrations/package.json migrations/
COPY loader/package.json loader/
COPY api/package.json api/
COPY cli/package.json cli/
COPY provisioning/package.json provisioning/
COPY test/package.json test/
COPY grafana-plugin/package.json grafana-plugin/
RUN npm ci --omit=dev --no-audit --no-fund -w contract -w db -w migrations -w loader -w api -w cli \
    && npm cache clean --force

COPY contract contract
COPY db db
COPY migrations migrations
COPY loader loader
COPY api api
COPY cli cli
COPY provisioning/alerting provisioning/alerting
COPY provisioning/src/alerting.ts provisioning/src/render-alerting.ts provisioning/src/

USER node
ENTRYPOINT ["node", "cli/bin/optflow.js"]
CMD ["--help"]
