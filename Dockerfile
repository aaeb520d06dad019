# syntax=docker/dockerfile:1
# The vanity server as a container: mount your vanity.yaml at /config/vanity.yaml.

# Build stage: compile the TypeScript with the dev dependencies.
FROM node:24-alpine AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

# Runtime stage: the compiled server, its production dependencies and templates.
FROM node:24-alpine
ENV NODE_ENV=production \
    PORT=8080 \
    VANITY_CONFIG=/config/vanity.yaml
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY templates ./templates
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
    CMD ["node", "dist/cli.js", "health"]
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["serve"]
