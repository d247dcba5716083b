# dealflow's worker and API (one image; the command picks the role): see docker-compose.yml.
FROM node:20-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, for the layer cache. The worker's workflow bundler (webpack + swc) and tsx
# are runtime dependencies, so the dev ones can go.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY . .

USER node
EXPOSE 3000
CMD ["node", "bin/dealflow.js", "api"]
