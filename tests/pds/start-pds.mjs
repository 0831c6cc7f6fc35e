#!/usr/bin/env node
// start-pds.mjs -- run a REAL Bluesky PDS (reference @atproto/pds, started via
// @atproto/dev-env) plus its PLC directory on 127.0.0.1 only, for offline tests.
//
// Our own code; the PDS itself comes unchanged from npm (see package.json).
//
// Protocol with the parent process (e.g. a pytest fixture):
//   * stdout carries exactly ONE line of JSON:
//       {"ready":true,"pds":"http://127.0.0.1:P","plc":"http://127.0.0.1:Q",
//        "appview":"http://127.0.0.1:R", "accounts":[{"handle","did","password","email"}], ...}
//     or, if start-up failed, {"ready":false,"error":"..."} (then exit code 1).
//   * everything else (our messages, optional PDS logs) goes to stderr.
//   * the server stops and deletes its temp data dir on SIGTERM / SIGINT /
//     SIGHUP, when stdin reaches EOF (parent closed the pipe or died), and when
//     the parent process disappears (re-parenting is polled once a second).
//     Give it stdin=PIPE to get the EOF behaviour; when stdin is /dev/null or
//     a TTY it is ignored.
//
// Options (argv wins over environment):
//   --plc-port=N        PDS_TEST_PLC_PORT     0 (default) = pick a free port
//   --pds-port=N        PDS_TEST_PDS_PORT     0 (default) = pick a free port
//   --rate-limits       PDS_TEST_RATE_LIMITS  1/true/yes to enable (default off)
//   --no-rate-limits
//   --account=h:pw      PDS_TEST_ACCOUNTS     comma-separated "handle:password"
//       (repeatable)                          (default alice.test:alice-pass,bob.test:bob-pass;
//   --no-accounts                              PDS_TEST_ACCOUNTS=none creates none)
//   --access-ttl=5s     PDS_TEST_ACCESS_TTL   lifetime of access JWTs (default: the
//                                              PDS's own 120mins). See note at patchAccessTtl().
//   --verbose           PDS_TEST_VERBOSE      PDS/PLC logs (pino) to stderr
//   --no-watch-parent   PDS_TEST_WATCH_PARENT=0  do not exit when re-parented
//                                              (needed if a launcher detaches us)
//
// Handles must end in ".test" (the PDS's serviceHandleDomains).

import crypto from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import util from 'node:util'

const LOOPBACK = '127.0.0.1'
const require = createRequire(import.meta.url)

// ---------------------------------------------------------------------------
// 0. stdout hygiene: keep the real stdout writer for the single readiness
//    line, send every other console/stdout write to stderr.
// ---------------------------------------------------------------------------
//    With --verbose the pino loggers of PDS and PLC open LOG_DESTINATION=
//    /dev/stderr themselves, in append mode; we then write through an
//    append-mode descriptor as well, otherwise (when stderr is a regular
//    file opened without O_APPEND, e.g. pytest's capture file) the writers
//    would overwrite each other's lines.
const writeStdout = process.stdout.write.bind(process.stdout)
let writeStderr = process.stderr.write.bind(process.stderr)
process.stdout.write = (...args) => writeStderr(...args)
console.log = console.info = console.debug = console.warn = console.error =
  (...args) => writeStderr(util.format(...args) + '\n')
function useAppendModeStderr() {
  try {
    const fd = fs.openSync('/dev/stderr', 'a')
    writeStderr = (chunk, enc, cb) => {
      fs.writeSync(fd, typeof chunk === 'string' ? chunk : Buffer.from(chunk))
      if (typeof enc === 'function') enc(); else if (typeof cb === 'function') cb()
      return true
    }
  } catch { /* keep fd 2 */ }
}

const log = (...args) => console.error('[start-pds]', ...args)

// ---------------------------------------------------------------------------
// 1. Options
// ---------------------------------------------------------------------------
function parseOptions(argv, env) {
  const truthy = (v) => /^(1|true|yes|on)$/i.test(String(v ?? '').trim())
  const opts = {
    plcPort: Number(env.PDS_TEST_PLC_PORT ?? 0),
    pdsPort: Number(env.PDS_TEST_PDS_PORT ?? 0),
    rateLimits: truthy(env.PDS_TEST_RATE_LIMITS),
    accounts: env.PDS_TEST_ACCOUNTS ?? 'alice.test:alice-pass,bob.test:bob-pass',
    accessTtl: env.PDS_TEST_ACCESS_TTL || null,
    verbose: truthy(env.PDS_TEST_VERBOSE),
    watchParent: !/^(0|false|no|off)$/i.test(String(env.PDS_TEST_WATCH_PARENT ?? '1').trim()),
  }
  let argvAccounts = null
  for (const arg of argv) {
    const [key, ...rest] = arg.split('=')
    const val = rest.join('=')
    switch (key) {
      case '--plc-port': opts.plcPort = Number(val); break
      case '--pds-port': opts.pdsPort = Number(val); break
      case '--rate-limits': opts.rateLimits = rest.length ? truthy(val) : true; break
      case '--no-rate-limits': opts.rateLimits = false; break
      case '--account': (argvAccounts ??= []).push(val); break
      case '--accounts': (argvAccounts ??= []).push(...val.split(',')); break
      case '--no-accounts': argvAccounts = []; break
      case '--access-ttl': opts.accessTtl = val || null; break
      case '--verbose': opts.verbose = true; break
      case '--no-watch-parent': opts.watchParent = false; break
      case '-h': case '--help':
        console.error(fs.readFileSync(new URL(import.meta.url), 'utf8').split('\nimport ')[0])
        process.exit(0)
      default: throw new Error(`unknown argument: ${arg}`)
    }
  }
  const list = argvAccounts ?? (opts.accounts.trim().toLowerCase() === 'none' ? [] : opts.accounts.split(','))
  opts.accounts = list.map((s) => s.trim()).filter(Boolean).map((s) => {
    const i = s.indexOf(':') // handles never contain ':', passwords may
    if (i <= 0 || i === s.length - 1) throw new Error(`bad account spec ${JSON.stringify(s)} (want handle:password)`)
    return { handle: s.slice(0, i).toLowerCase(), password: s.slice(i + 1) }
  })
  // jose reads a bare number as an absolute timestamp and rejects "5" as a
  // period: accept "5" as 5 seconds, otherwise require jose's "5s"/"2m"/"1h".
  if (opts.accessTtl && /^\d+$/.test(opts.accessTtl)) opts.accessTtl += 's'
  if (opts.accessTtl && !/^\d+(\.\d+)? ?(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)$/i.test(opts.accessTtl)) {
    throw new Error(`bad access TTL ${JSON.stringify(opts.accessTtl)} (want e.g. 5s, 2m, 1h)`)
  }
  for (const [name, port] of [['plc', opts.plcPort], ['pds', opts.pdsPort]]) {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad ${name} port ${port}`)
  }
  return opts
}

// ---------------------------------------------------------------------------
// 2. Loopback only. The PDS and PLC call `app.listen(port)` without a host,
//    which would bind every interface. Wrap net.Server.prototype.listen (http
//    servers inherit it) so every TCP listen in this process goes to
//    127.0.0.1. Unix sockets / handles pass through unchanged.
// ---------------------------------------------------------------------------
function forceLoopbackListen() {
  const origListen = net.Server.prototype.listen
  net.Server.prototype.listen = function listenOnLoopback(...args) {
    const cb = typeof args[args.length - 1] === 'function' ? args.pop() : undefined
    const first = args[0]
    let options
    if (first == null || typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      // listen([port[, host[, backlog]]][, cb])
      options = { port: first == null ? 0 : Number(first), host: LOOPBACK }
      const backlog = args.slice(1).find((a) => typeof a === 'number')
      if (backlog !== undefined) options.backlog = backlog
    } else if (typeof first === 'object' && first.path == null && first.fd == null &&
               first.handle == null && first._handle == null) {
      // listen({port, host, ...}[, cb])
      if (first.host && first.host !== LOOPBACK) log(`listen: host ${first.host} replaced by ${LOOPBACK}`)
      options = { ...first, host: LOOPBACK }
    } else {
      return origListen.call(this, ...args, ...(cb ? [cb] : [])) // unix socket path / handle
    }
    return origListen.call(this, options, ...(cb ? [cb] : []))
  }
}

// Offline guard: TCP connections may only go to loopback. Anything else
// (e.g. the PDS trying to reach a real AppView, plc.directory or a crawler)
// fails at once with ECONNREFUSED and is logged, instead of hanging or
// leaving the machine. Unix sockets pass through.
function blockNonLoopbackConnect() {
  const origConnect = net.Socket.prototype.connect
  const isLoopback = (h) => h == null || h === 'localhost' || h === '::1' || /^127\./.test(h)
  net.Socket.prototype.connect = function connectLoopbackOnly(...args) {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0] // internal normalized form
    const host = typeof first === 'object' && first !== null ? (first.path ? undefined : first.host)
      : (typeof args[1] === 'string' ? args[1] : undefined)
    if (!isLoopback(host)) {
      log(`blocked outbound connection to ${host}`)
      const err = Object.assign(new Error(`connect ECONNREFUSED ${host} (start-pds: non-loopback blocked)`), { code: 'ECONNREFUSED' })
      process.nextTick(() => this.destroy(err))
      return this
    }
    return origConnect.apply(this, args)
  }
}

// Pick a free TCP port on 127.0.0.1 (the PDS must know its port before it
// starts because its public URL and DID documents contain it).
async function freePort() {
  const srv = net.createServer()
  await new Promise((res, rej) => srv.once('error', rej).listen({ port: 0, host: LOOPBACK }, res))
  const { port } = srv.address()
  await new Promise((res) => srv.close(res))
  return port
}

// ---------------------------------------------------------------------------
// 3. AppView / moderation stub on loopback. The PDS proxies app.bsky.* reads
//    to its configured AppView; the real one is not reachable here. We answer
//    the few calls clients make on login with data taken from the PDS itself
//    (com.atproto.repo.describeRepo), so accounts created later also work.
// ---------------------------------------------------------------------------
function startAppViewStub(getPdsUrl) {
  const json = (res, status, body) => {
    const data = Buffer.from(JSON.stringify(body))
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': data.length })
    res.end(data)
  }
  const lookup = async (actor) => {
    const r = await fetch(`${getPdsUrl()}/xrpc/com.atproto.repo.describeRepo?repo=${encodeURIComponent(actor)}`)
    if (!r.ok) return null
    const { did, handle } = await r.json()
    return { did, handle }
  }
  const profileView = (a) => ({
    did: a.did, handle: a.handle,
    followersCount: 0, followsCount: 0, postsCount: 0,
    viewer: { muted: false, blockedBy: false },
    labels: [],
  })
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://stub')
      const nsid = url.pathname.startsWith('/xrpc/') ? url.pathname.slice(6) : null
      log(`appview-stub: ${req.method} ${url.pathname}${url.search}`)
      switch (nsid) {
        case '_health':
          return json(res, 200, { version: 'appview-stub' })
        case 'app.bsky.actor.getProfile': {
          const actor = url.searchParams.get('actor')
          const found = actor && (await lookup(actor))
          if (!found) return json(res, 400, { error: 'InvalidRequest', message: 'Profile not found' })
          return json(res, 200, profileView(found))
        }
        case 'app.bsky.actor.getProfiles': {
          const actors = url.searchParams.getAll('actors')
          const profiles = (await Promise.all(actors.map(lookup))).filter(Boolean).map(profileView)
          return json(res, 200, { profiles })
        }
        default:
          return json(res, 501, { error: 'MethodNotImplemented', message: `appview stub does not implement ${nsid ?? url.pathname}` })
      }
    } catch (err) {
      log('appview-stub error', err)
      return json(res, 500, { error: 'InternalServerError', message: String(err) })
    }
  })
  return new Promise((res, rej) => server.once('error', rej).listen({ port: 0, host: LOOPBACK }, () => res(server)))
}

// ---------------------------------------------------------------------------
// 4. Optional short access-token lifetime. The PDS has NO config key for it:
//    account-manager/helpers/auth.js hard-codes expiresIn = '120mins' for
//    access tokens ('90days' for refresh tokens). createTokens() calls
//    `exports.createAccessToken` at call time, so replacing that export makes
//    every access token issued by createSession / refreshSession /
//    createAccount use our lifetime. The PDS answers an expired token with
//    400 {"error":"ExpiredToken","message":"Token has expired"}.
// ---------------------------------------------------------------------------
function patchAccessTtl(ttl) {
  const authHelpers = require('@atproto/pds/dist/account-manager/helpers/auth.js')
  const orig = authHelpers.createAccessToken
  if (typeof orig !== 'function') throw new Error('cannot patch access TTL: createAccessToken not found')
  authHelpers.createAccessToken = (opts) => orig({ ...opts, expiresIn: opts.expiresIn ?? ttl })
}

// ---------------------------------------------------------------------------
// 5. Main
// ---------------------------------------------------------------------------
let shuttingDown = false
let startup = Promise.resolve()   // main()'s start-up; shutdown waits for it
let cleanup = async () => {}
let dataDir = null

// Last resort, synchronous: runs on every process exit (normal, signal-driven
// via shutdown(), forced, uncaught exception). Not on SIGKILL -- nothing is.
function removeDataDirSync() {
  if (!dataDir) return
  try { fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }) } catch {}
  dataDir = null
}
process.on('exit', removeDataDirSync)

async function shutdown(reason, code = 0) {
  if (shuttingDown) return
  shuttingDown = true
  log(`stopping (${reason})`)
  const force = setTimeout(() => { log('forced exit'); process.exit(code || 1) }, 5000)
  force.unref()
  try {
    await startup.catch(() => {}) // never tear down half-started servers
    await cleanup()
  } catch (err) { log('cleanup error', err) }
  process.exit(code || process.exitCode || 0)
}

function watchParent(enabled) {
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => shutdown(sig))
  // stdin EOF => parent closed the pipe or died. Only meaningful for pipes and
  // sockets; /dev/null (char device) would give EOF at once, TTYs never do.
  try {
    const st = fs.fstatSync(0)
    if (st.isFIFO() || st.isSocket()) {
      process.stdin.on('data', () => {}) // drain; input is ignored
      process.stdin.on('end', () => shutdown('stdin closed'))
      process.stdin.on('error', () => shutdown('stdin error'))
    }
  } catch { /* no stdin at all */ }
  // Parent gone (we were re-parented to init or a subreaper).
  if (!enabled) return
  const parent = process.ppid
  setInterval(() => { if (process.ppid !== parent) shutdown('parent process exited') }, 1000).unref()
}

async function main() {
  const t0 = performance.now()
  const opts = parseOptions(process.argv.slice(2), process.env)
  watchParent(opts.watchParent)

  // Private temp dir for all PDS data (SQLite files, blobs). TMPDIR points
  // into it as well, so anything that uses os.tmpdir() lands there too.
  dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'pds-test-'))
  const servers = []
  let network = null
  cleanup = async () => {
    if (network) await network.close().catch((err) => log('network close error', err))
    await Promise.all(servers.map((s) => new Promise((res) => { s.closeAllConnections?.(); s.close(() => res()) })))
    const dir = dataDir
    await fsp.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 })
    dataDir = null
    log(`removed ${dir}`)
  }
  // (dev-env itself still mkdirs a random folder in os.tmpdir() before our
  // dataDirectory override applies; with TMPDIR here it lands in our dir.)
  process.env.TMPDIR = path.join(dataDir, 'tmp')
  for (const d of ['tmp', 'pds']) await fsp.mkdir(path.join(dataDir, d))

  // Logging of the atproto packages is read from the environment when they are
  // first loaded: off unless --verbose, and then to stderr, never stdout.
  if (opts.verbose) {
    process.env.LOG_ENABLED = 'true'
    process.env.LOG_DESTINATION = '/dev/stderr'
    useAppendModeStderr()
  } else {
    process.env.LOG_ENABLED = 'false'
    delete process.env.LOG_DESTINATION
  }

  forceLoopbackListen()
  blockNonLoopbackConnect()

  const plcPort = opts.plcPort || (await freePort())
  const pdsPort = opts.pdsPort || (await freePort())
  const plcUrl = `http://${LOOPBACK}:${plcPort}`
  const pdsUrl = `http://${LOOPBACK}:${pdsPort}`

  const stub = await startAppViewStub(() => pdsUrl)
  servers.push(stub)
  const stubUrl = `http://${LOOPBACK}:${stub.address().port}`

  // Load dev-env only now: after the listen wrapper and the LOG_* variables.
  // Only the no-AppView network module: the package index also loads the
  // AppView, Ozone and bsync code we do not run (~0.6 s more start-up).
  // dev-env has no "exports" map, so the deep import is allowed.
  const { TestNetworkNoAppView } = await import('@atproto/dev-env/dist/network-no-appview.js')
    .catch(() => import('@atproto/dev-env'))
  if (opts.accessTtl) patchAccessTtl(opts.accessTtl)

  const jwtSecret = crypto.randomBytes(16).toString('hex')
  const adminPassword = crypto.randomBytes(12).toString('hex')
  network = await TestNetworkNoAppView.create({
    plc: { port: plcPort },
    pds: {
      port: pdsPort,
      didPlcUrl: plcUrl,
      dataDirectory: path.join(dataDir, 'pds'),
      blobstoreDiskLocation: path.join(dataDir, 'blobs'),
      blobstoreDiskTmpLocation: path.join(dataDir, 'blobs-tmp'),
      jwtSecret,
      adminPassword,
      rateLimitsEnabled: opts.rateLimits,
      // AppView + moderation service -> our stub. The AppView DID is the real
      // Bluesky one so that clients sending
      // "atproto-proxy: did:web:api.bsky.app#bsky_appview" hit the stub too
      // instead of making the PDS resolve did:web:api.bsky.app over the network.
      bskyAppViewUrl: stubUrl,
      bskyAppViewDid: 'did:web:api.bsky.app',
      bskyAppViewCdnUrlPattern: `${stubUrl}/img/%s/%s/%s`,
      modServiceUrl: stubUrl,
      modServiceDid: 'did:example:modservice',
      crawlers: [],
    },
  })
  // dev-env builds its URLs with "localhost"; use the loopback address.
  network.pds.url = pdsUrl
  network.plc.url = plcUrl
  const tStarted = performance.now()

  // Test accounts via the public XRPC API, exactly as a client would.
  const accounts = []
  for (const { handle, password } of opts.accounts) {
    const email = `${handle.replace(/[^a-z0-9]+/g, '-')}@example.com`
    const r = await fetch(`${pdsUrl}/xrpc/com.atproto.server.createAccount`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle, email, password }),
    })
    const body = await r.json()
    if (!r.ok) throw new Error(`createAccount ${handle}: ${r.status} ${JSON.stringify(body)}`)
    accounts.push({ handle: body.handle, did: body.did, password, email })
  }
  const tReady = performance.now()
  log(`PDS ${pdsUrl} PLC ${plcUrl} AppView stub ${stubUrl} data ${dataDir}; ` +
      `start ${Math.round(tStarted - t0)} ms, accounts ${Math.round(tReady - tStarted)} ms`)

  if (shuttingDown) return // a signal arrived during start-up: no readiness line
  writeStdout(JSON.stringify({
    ready: true,
    pds: pdsUrl,
    plc: plcUrl,
    appview: stubUrl,
    pid: process.pid,
    dataDir,
    rateLimits: opts.rateLimits,
    accessTtl: opts.accessTtl ?? '120mins',
    jwtSecret,        // HS256 key of access/refresh JWTs (tests may mint expired tokens)
    adminPassword,    // HTTP Basic "admin:<password>" for com.atproto.admin.*
    startupMs: Math.round(tReady - t0),
    accounts,
  }) + '\n')
}

startup = main()
startup.catch(async (err) => {
  log('start-up failed:', err)
  try { writeStdout(JSON.stringify({ ready: false, error: String(err?.message ?? err) }) + '\n') } catch {}
  process.exitCode = 1
  await shutdown('start-up failure', 1) // no-op if a signal already started it
})
