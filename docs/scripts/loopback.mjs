// Preloaded into `vitepress preview`, which listens on every interface (it passes a port and no
// host to listen()): binds such servers to 127.0.0.1 instead, so the check never serves beyond
// this machine.
import { Server } from 'node:net'

const listen = Server.prototype.listen
Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1')
  return listen.apply(this, args)
}
