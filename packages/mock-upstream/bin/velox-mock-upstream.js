#!/usr/bin/env node
// The bin shim: the CLI itself is built to dist/ (pnpm links bins before any build has run).
import('../dist/cli.js')
