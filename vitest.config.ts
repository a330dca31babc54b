import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Workspace packages export dist/; tests run against src/ so no build is needed first (TOOLCHAIN.md).
const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

export default defineConfig({
  resolve: {
    alias: {
      '@velox/core': src('core'),
      '@velox/express': src('express'),
      '@velox/fastify': src('fastify'),
      '@velox/koa': src('koa'),
      '@velox/mock-upstream': src('mock-upstream'),
      '@velox/test-utils': src('test-utils'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
})
