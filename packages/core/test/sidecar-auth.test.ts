import { send } from '@velox/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../src/index.js'
import { gatewayCore } from '../src/internal.js'

const TOKEN = 'sidecar-token-7f3a9c'
const UNAUTHORIZED = { error: { code: 'unauthorized', message: 'A valid bearer token is required' } }

describe('a sidecar bound beyond loopback, with its token', () => {
  let gateway: Gateway
  let url: string

  beforeAll(async () => {
    gateway = createGateway({
      upstream: { origin: 'http://127.0.0.1:9' },
      sidecar: { host: '0.0.0.0', port: 0, token: TOKEN },
    })
    await gateway.ready()
    // Bound to every interface; reached here through loopback.
    url = gateway.sidecar!.url!.replace('0.0.0.0', '127.0.0.1')
  })
  afterAll(() => gateway.close())

  it('listens on the interface it was given', () => {
    expect(gateway.sidecar!.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/)
  })

  it.each([
    ['no Authorization header', undefined],
    ['a wrong token', `Bearer ${TOKEN}x`],
    ['a token prefix', `Bearer ${TOKEN.slice(0, -1)}`],
    ['another scheme', `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`],
    ['the bare token', TOKEN],
  ])('answers 401 with %s, on every path', async (_, authorization) => {
    for (const path of ['/metrics', '/debug/pprof/profile?seconds=0.1', '/debug/pprof/heap', '/nope']) {
      const res = await send(`${url}${path}`, { headers: authorization ? { authorization } : {} })
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toBe('Bearer realm="velox-sidecar"')
      expect(JSON.parse(res.body.toString())).toEqual(UNAUTHORIZED)
    }
  })

  it('serves requests that carry the token', async () => {
    const headers = { authorization: `Bearer ${TOKEN}` }
    expect((await send(`${url}/metrics`, { headers })).status).toBe(200)
    expect((await send(`${url}/debug/pprof/profile?seconds=0.1&format=cpuprofile`, { headers })).status).toBe(
      200,
    )
    expect((await send(`${url}/nope`, { headers })).status).toBe(404)
  })
})

describe('a loopback sidecar given a token', () => {
  it('requires it too', async () => {
    const gateway = createGateway({
      upstream: { origin: 'http://127.0.0.1:9' },
      sidecar: { port: 0, token: TOKEN },
    })
    try {
      await gateway.ready()
      expect((await send(`${gateway.sidecar!.url}/metrics`)).status).toBe(401)
      const ok = await send(`${gateway.sidecar!.url}/metrics`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      })
      expect(ok.status).toBe(200)
    } finally {
      await gateway.close()
    }
  })
})

describe('a sidecar that cannot listen', () => {
  it('logs why, rejects sidecar.ready() with it, and the gateway still becomes ready and closes', async () => {
    const first = createGateway({ upstream: { origin: 'http://127.0.0.1:9' }, sidecar: { port: 0 } })
    await first.ready()
    const port = Number(new URL(first.sidecar!.url!).port)
    const warnings: string[] = []
    const logger = {
      debug() {},
      info() {},
      warn() {},
      error: (_: unknown, msg?: string) => warnings.push(msg ?? ''),
    }
    const second = createGateway({ upstream: { origin: 'http://127.0.0.1:9' }, sidecar: { port }, logger })
    try {
      await expect(second.sidecar!.ready()).rejects.toThrow(/^sidecar could not listen: listen EADDRINUSE/)
      await second.ready() // never rejects: the gateway serves without its sidecar
      expect(second.sidecar!.url).toBeUndefined()
      expect(gatewayCore(second).telemetry).toBeNull() // nothing collects records nobody can read
      expect(warnings).toEqual([
        expect.stringMatching(/^velox: the sidecar did not start: sidecar could not listen/),
      ])
    } finally {
      await second.close()
      await first.close()
    }
  })
})
