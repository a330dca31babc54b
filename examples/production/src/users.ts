/**
 * The app's own users and their API tokens: a stand-in for a real user store. Velox never sees
 * these tokens upstream (it drops the client's Authorization); it only sees the user id that
 * `authenticate` puts on the request, and uses it as the rate-limit key.
 */
import type { NextFunction, Request, Response } from 'express'

export interface User {
  id: string
  plan: 'free' | 'team'
}

/** APP_TOKENS='{"token":{"id":"alice","plan":"team"}}' replaces the demo users. */
const users = new Map<string, User>(
  Object.entries(
    JSON.parse(
      process.env.APP_TOKENS ??
        '{"alice-token":{"id":"alice","plan":"team"},"bob-token":{"id":"bob","plan":"free"}}',
    ) as Record<string, User>,
  ),
)

export type AuthedRequest = Request & { user?: User }

/** The app's auth for /v1: an unknown token gets the 401 OpenAI clients expect. */
export function authenticate(req: AuthedRequest, res: Response, next: NextFunction): void {
  const header = req.headers.authorization ?? ''
  const user = header.startsWith('Bearer ') ? users.get(header.slice(7)) : undefined
  if (user === undefined) {
    res.status(401).json({
      error: {
        message: 'Invalid API key',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    })
    return
  }
  req.user = user
  next()
}
