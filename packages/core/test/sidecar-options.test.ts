import { describe, expect, it } from 'vitest'
import { createGateway, VeloxOptionsError } from '../src/index.js'
import { gatewayCore } from '../src/internal.js'
import { isLoopback, resolveSidecar } from '../src/sidecar/options.js'

describe('the sidecar option', () => {
  it('is off unless given, and off when it would serve nothing', () => {
    expect(resolveSidecar(undefined)).toBeUndefined()
    expect(resolveSidecar(false)).toBeUndefined()
    expect(resolveSidecar({ profiling: false, metrics: false })).toBeUndefined()
    const gateway = createGateway({ sidecar: { profiling: false, metrics: false } })
    expect(gateway.sidecar).toBeUndefined()
    expect(gatewayCore(gateway).telemetry).toBeNull()
  })

  it('defaults to the seed: 127.0.0.1:6060, profiling and metrics, a 5 s sample interval', () => {
    const resolved = resolveSidecar({})
    expect(resolved).toEqual({
      host: '127.0.0.1',
      port: 6060,
      token: undefined,
      profiling: true,
      metrics: true,
      sampleIntervalMs: 5000,
    })
    expect(Object.isFrozen(resolved)).toBe(true)
    expect(resolveSidecar({ port: 0 })?.port).toBe(0) // 0: a free port, for tests
  })

  it.each([
    [true, 'sidecar must be an object or false (got true)'],
    [{ port: -1 }, 'sidecar.port must be an integer from 0 to 65535 (got -1)'],
    [{ port: 65_536 }, 'sidecar.port must be an integer from 0 to 65535 (got 65536)'],
    [{ port: 60.5 }, 'sidecar.port must be an integer from 0 to 65535 (got 60.5)'],
    [{ port: '6060' }, 'sidecar.port must be an integer from 0 to 65535 (got "6060")'],
    [{ host: '' }, 'sidecar.host must be a host name or IP address (got "")'],
    [{ host: 'http://x' }, 'sidecar.host must be a host name or IP address (got "http://x")'],
    [{ token: '' }, 'sidecar.token must be a non-empty string without spaces'],
    [{ token: 'a b' }, 'sidecar.token must be a non-empty string without spaces'],
    [{ profiling: 'yes' }, 'sidecar.profiling must be a boolean (got "yes")'],
    [{ metrics: 1 }, 'sidecar.metrics must be a boolean (got 1)'],
    [{ sampleIntervalMs: 5 }, 'sidecar.sampleIntervalMs must be an integer >= 10 (got 5)'],
  ])('rejects %j naming the field', (sidecar, message) => {
    expect(() => createGateway({ sidecar: sidecar as never })).toThrow(message)
  })

  it.each(['0.0.0.0', '::', '192.168.1.20', 'gateway.internal'])(
    'refuses to bind %s without a token, at creation',
    (host) => {
      let error: unknown
      try {
        createGateway({ sidecar: { host } })
      } catch (err) {
        error = err
      }
      expect(error).toBeInstanceOf(VeloxOptionsError)
      expect(error).toMatchObject({
        code: 'VELOX_ERR_INVALID_OPTION',
        message: `sidecar.token is required when sidecar.host is not a loopback address (got host ${JSON.stringify(host)}): profiles and metrics must not be open to the network`,
      })
    },
  )

  it('takes loopback addresses as loopback, and nothing else', () => {
    expect(['127.0.0.1', '127.0.0.53', '::1', 'localhost'].map(isLoopback)).toEqual([true, true, true, true])
    expect(['0.0.0.0', '::', '10.0.0.1', '127.example.com', '::ffff:10.0.0.1'].map(isLoopback)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ])
  })

  it('never echoes a token in its error', () => {
    expect(() => createGateway({ sidecar: { token: 'secret with space' } })).toThrow(
      /^sidecar\.token must be a non-empty string without spaces$/,
    )
  })
})

describe('the onUsage option', () => {
  it('must be a function', () => {
    expect(() => createGateway({ onUsage: 'log' as never })).toThrow(
      'onUsage must be a function (got "string")',
    )
  })
})
