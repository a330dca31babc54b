import { defineConfig } from 'vitepress'

export default defineConfig({
  title: 'Velox for Node',
  description: 'An in-process OpenAI-compatible AI gateway for Express, Koa and Fastify',
  cleanUrls: true,
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'Reference', link: '/reference/options' },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
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
        text: 'Reference',
        items: [
          { text: 'Options', link: '/reference/options' },
          { text: 'Errors', link: '/reference/errors' },
        ],
      },
    ],
  },
})
