# dealflow's worker and API (one image; the command picks the role): see docker-compose.yml.
# Node 22 LTS. Production runs the compiled JavaScript (`npm run build` → dist/), not a TypeScript
# loader: see CONTRIBUTING.md, "Building and running".

# --- build: all dependencies, compile to dist/ (and the web page to dist/web/), then drop the dev ones
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- run: production dependencies (the worker's workflow bundler, webpack + swc, is one) and dist/
FROM node:22-slim
ENV NODE_ENV=production
# bin/dealflow.js runs dist/ (the image has no tsx, so it would anyway; this says so)
ENV DEALFLOW_RUN=dist
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# the default ROSTER_FILE (config/roster.demo.json, relative to /app); mount a real one for real use
COPY --from=build /app/config/roster.demo.json ./config/roster.demo.json

USER node
EXPOSE 3000
CMD ["node", "bin/dealflow.js", "api"]
