import { createServer } from 'node:http'
import { listen, postJson, send } from '@velox/test-utils'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createGateway, REDACTED, redactHeaders, redactingLogger, redactText } from '../src/index.js'
import { gatewayCore } from '../src/internal.js'
import { captureLogger } from './helpers/capture-logger.js'
import { type SidecarFixture, startSidecarFixture, UPSTREAM_KEY } from './helpers/sidecar-fixture.js'

describe('redaction helpers', () => {
  it('redacts credential headers and keeps the others', () => {
    expect(
      redactHeaders({
        Authorization: 'Bearer sk-live-1',
        'x-api-key': 'k',
        'api-key': 'k',
        cookie: 'session=1',
        'proxy-authorization': 'Basic x',
        'content-type': 'application/json',
      }),
    ).toEqual({
      Authorization: REDACTED,
      'x-api-key': REDACTED,
      'api-key': REDACTED,
      cookie: REDACTED,
      'proxy-authorization': REDACTED,
      'content-type': 'application/json',
    })
  })

  it('redacts bearer tokens, sk- keys and the configured secrets inside text', () => {
    expect(redactText('401 for Bearer abc.def-ghi and Basic dXNlcjpwYXNz', [])).toBe(
      '401 for Bearer [REDACTED] and Basic [REDACTED]',
    )
    expect(redactText('key sk-proj-AbCdEf0123456789 leaked', [])).toBe('key [REDACTED] leaked')
    expect(redactText('token=my-own-secret-value;', ['my-own-secret-value'])).toBe('token=[REDACTED];')
  })

  it('wraps a logger: objects, nested headers, errors and messages all redacted', () => {
    const { logger, lines } = captureLogger()
    const safe = redactingLogger(logger, ['hunter2-upstream'])
    const err = Object.assign(new Error('upstream said no to hunter2-upstream'), { code: 'E_NO' })
    safe.warn(
      { req: { headers: { authorization: 'Bearer abc', 'x-request-id': 'r1' } }, apiKey: 'x', err, n: 3 },
      'failed with hunter2-upstream',
    )
    expect(lines).toEqual([
      {
        level: 'warn',
        obj: {
          req: { headers: { authorization: REDACTED, 'x-request-id': 'r1' } },
          apiKey: REDACTED,
          err: {
            type: 'Error',
            message: 'upstream said no to [REDACTED]',
            stack: expect.any(String),
            code: 'E_NO',
          },
          n: 3,
        },
        msg: 'failed with [REDACTED]',
      },
    ])
    expect(JSON.stringify(lines)).not.toContain('hunter2-upstream')
  })
})

describe('what Velox logs holds no credential', () => {
  let f: SidecarFixture
  let app: Awaited<ReturnType<typeof listen>>
  const log = captureLogger()
  const TOKEN = 'sidecar-token-b41c97d2'
  const clientSecrets = [
    'client-bearer-9f8e7d',
    'session=cookie-5a4b3c',
    'xk-client-1a2b3c',
    'azure-key-6d5e4f',
  ]

  beforeAll(async () => {
    f = await startSidecarFixture({ logger: log.logger, sidecar: { token: TOKEN } })
  })
  afterAll(async () => {
    await app?.close()
    await f.close()
  })

  it('when the upstream fails, and when the sidecar refuses or serves a request', async () => {
    const clientHeaders = {
      authorization: `Bearer ${clientSecrets[0]}`,
      cookie: clientSecrets[1]!,
      'x-api-key': clientSecrets[2]!,
      'api-key': clientSecrets[3]!,
    }
    // The upstream resets the connection, then cuts a stream half way: both are logged.
    const reset = await postJson(
      `${f.app}/v1/chat/completions`,
      { model: 'gpt-4o', messages: [] },
      { ...clientHeaders, 'x-mock-fault': 'reset-before-headers' },
    )
    expect(reset.status).toBe(502)
    await postJson(
      `${f.app}/v1/chat/completions`,
      { model: 'gpt-4o', stream: true, messages: [] },
      { ...clientHeaders, 'x-mock-fault': 'reset-mid-stream' },
    ).catch(() => undefined)
    // An unreachable upstream, with the same key.
    const down = createGateway({
      upstream: { origin: 'http://127.0.0.1:9', apiKey: UPSTREAM_KEY },
      logger: log.logger,
    })
    app = await listen(createServer((req, res) => down.handle(req, res)))
    expect((await postJson(`${app.url}/v1/chat/completions`, { model: 'm' }, clientHeaders)).status).toBe(502)
    await down.close()
    // The sidecar: refused with a wrong token, then served.
    expect(
      (await send(`${f.sidecar}/metrics`, { headers: { authorization: 'Bearer wrong-9c8b7a' } })).status,
    ).toBe(401)
    expect(
      (await send(`${f.sidecar}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(200)
    // Velox's own logger is the redacting one, whatever is handed to it.
    gatewayCore(f.gateway).logger!.info(
      { note: `debugging ${UPSTREAM_KEY}`, headers: clientHeaders },
      `token ${TOKEN}`,
    )

    await vi.waitFor(() => {
      const messages = log.lines.map((l) => l.msg)
      expect(messages).toEqual(
        expect.arrayContaining([
          'velox: upstream attempt failed',
          'velox: upstream failed mid-response',
          'velox: sidecar listening',
          'velox: sidecar request refused',
        ]),
      )
    })
    const text = log.text()
    for (const secret of [UPSTREAM_KEY, TOKEN, 'wrong-9c8b7a', ...clientSecrets])
      expect(text).not.toContain(secret)
    expect(text).toContain(`debugging ${REDACTED}`)
  })
})
