import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Workspace packages export dist/; tests run against src/ so no build is needed first.
const src = (pkg: string, entry = 'index') =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${entry}.ts`, import.meta.url))

export default defineConfig({
  resolve: {
    alias: {
      // Longest first: '@velox/core' would otherwise also match '@velox/core/internal'.
      '@velox/core/internal': src('core', 'internal'),
      '@velox/core': src('core'),
      '@velox/express': src('express'),
      '@velox/fastify': src('fastify'),
      '@velox/koa': src('koa'),
      '@velox/mock-upstream': src('mock-upstream'),
      '@velox/test-utils': src('test-utils'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
})
