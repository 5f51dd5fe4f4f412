# LlamaFarm (TypeScript) server and worker image. Build: `docker build -t llamafarm-ts .`
# The same image runs `lf serve` (API) and `lf worker` (task worker); see docker-compose.yml.
FROM node:20-bookworm-slim AS build
# better-sqlite3 and node-llama-cpp build native code when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ cmake && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
ENV LF_DATA_DIR=/data HOST=0.0.0.0 PORT=8000 NODE_ENV=production
VOLUME /data
EXPOSE 8000
ENTRYPOINT ["node", "bin/lf.js"]
CMD ["serve"]
