import { defineConfig } from 'vitepress'
import { benchResults } from './bench-results.mts'

// The site is published under a sub-path on GitHub Pages (`/velox/`): the workflow sets DOCS_BASE;
// locally and in CI's browser check it is served from the root.
const base = process.env.DOCS_BASE ?? '/'
const repository = 'https://github.com/velox-node/velox'

export default defineConfig({
  title: 'Velox for Node',
  description: 'An in-process OpenAI-compatible AI gateway for Express, Koa, Fastify and node:http',
  base,
  cleanUrls: true,
  lastUpdated: false,
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: `${base}favicon.svg` }]],
  markdown: {
    // `<!--@results: Heading-->` embeds that section of bench/RESULTS.md (numbers are never typed).
    config: (md) => benchResults(md),
  },
  themeConfig: {
    logo: '/favicon.svg',
    search: { provider: 'local' },
    socialLinks: [{ icon: 'github', link: repository }],
    editLink: { pattern: `${repository}/edit/main/docs/:path` },
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'Reference', link: '/reference/api' },
      { text: 'Examples', link: `${repository}/tree/main/examples` },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
          { text: 'Prerequisites', link: '/guide/prerequisites' },
          { text: 'Getting started', link: '/guide/getting-started' },
          { text: 'Express, Koa and Fastify', link: '/guide/frameworks' },
          { text: 'Upstreams, routing, retries', link: '/guide/routing' },
          { text: 'Providers: OpenAI and Anthropic', link: '/guide/providers' },
          { text: 'Resilience', link: '/guide/resilience' },
          { text: 'Architecture', link: '/guide/architecture' },
          { text: 'Performance', link: '/guide/performance' },
          { text: 'Observability', link: '/guide/observability' },
          { text: 'Cost and caching', link: '/guide/cost-and-caching' },
        ],
      },
      {
        text: 'Hosts',
        items: [
          { text: 'Express', link: '/guide/hosts/express' },
          { text: 'Koa', link: '/guide/hosts/koa' },
          { text: 'Fastify', link: '/guide/hosts/fastify' },
          { text: 'Plain node:http', link: '/guide/hosts/node-http' },
        ],
      },
      {
        text: 'Reference',
        items: [
          { text: 'API', link: '/reference/api' },
          { text: 'Options', link: '/reference/options' },
          { text: 'Errors', link: '/reference/errors' },
        ],
      },
      {
        text: 'Help',
        items: [
          { text: 'FAQ and troubleshooting', link: '/guide/faq' },
          { text: 'Examples', link: '/guide/examples' },
        ],
      },
    ],
  },
})
