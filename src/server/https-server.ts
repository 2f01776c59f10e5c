/**
 * `HTTPSServer` and `ThreadingHTTPSServer`: `HTTPServer` over TLS, as Python
 * 3.14 adds them, on `node:tls`.
 *
 * Strategy: the certificate chain and key are loaded into a secure context
 * when the server is constructed, so that every loading problem (a missing
 * file, something that is not PEM, a key that does not match, a wrong
 * password) rejects `ready` with one clear message naming the file — never a
 * crash later. The listening socket is a `tls.Server`; a connection reaches
 * the request loop only after its handshake, so a client that fails the
 * handshake (plain HTTP on the TLS port, no common protocol, silence) is
 * logged in one line and costs the loop nothing. Handshakes are bounded in time.
 */

import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import { createServer as createNetServer } from "node:net";
import { createSecureContext, createServer as createTlsServer, type TLSSocket } from "node:tls";
import { HANDSHAKE_TIMEOUT } from "../protocol/limits.js";
import { escapeControl, logDateTimeString, writeLog } from "../python/log-line.js";
import type { ServerAddress } from "./address.js";
import type { RequestHandlerClass } from "./base-server.js";
import { ThreadingMixIn } from "./threading.js";
import { HTTPServer } from "./http-server.js";
import { answerPlainHttp, TLS_SECURE_OPTIONS } from "./tls-guard.js";

/** A password for an encrypted key: the value, or a function returning it (Python's callable). */
export type KeyPassword = string | Buffer | (() => string | Buffer);

/** The keyword arguments of `HTTPSServer` (Python 3.14) and our extensions. */
export interface HTTPSServerOptions {
  /** PEM file with the certificate chain; it may hold the private key too. */
  certfile: string;
  /** PEM file with the private key, when it is not in `certfile`. */
  keyfile?: string | null;
  /** Password of an encrypted private key. */
  password?: KeyPassword | null;
  /** ALPN protocols offered in the handshake; `["http/1.1"]` by default. */
  alpn_protocols?: string[] | null;
  /** Extension (not in CPython): PEM file of the CAs that client certificates must chain to. */
  cafile?: string | null;
  /** Extension (not in CPython): ask clients for a certificate and refuse those without a valid one. */
  verify_client?: boolean;
  /** Extension (not in CPython): seconds a client has to complete the handshake (default 10). */
  handshake_timeout?: number;
}

/** Why a certificate or key could not be loaded, in words, naming the file. */
export class TLSLoadError extends Error {
  override name = "TLSLoadError";
  constructor(
    message: string,
    readonly code: "ERR_TLS_FILE" | "ERR_TLS_NOT_PEM" | "ERR_TLS_KEY_MISMATCH" | "ERR_TLS_BAD_PASSWORD" | "ERR_TLS_LOAD",
  ) {
    super(message);
  }
}

function readPem(what: string, path: string): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    throw new TLSLoadError(`cannot read ${what} ${path}: ${reason}`, "ERR_TLS_FILE");
  }
  if (!data.includes("-----BEGIN ")) throw new TLSLoadError(`${what} ${path} is not a PEM file`, "ERR_TLS_NOT_PEM");
  return data;
}

/** What `tls.createServer` needs of the loaded files. */
interface LoadedCredentials {
  cert: Buffer;
  key: Buffer;
  passphrase?: string;
  ca?: Buffer;
}

/**
 * Loads the chain, key and CAs, and checks them by building a secure context;
 * throws a {@link TLSLoadError} that names the file and the cause.
 */
function loadCredentials(options: HTTPSServerOptions): LoadedCredentials {
  const cert = readPem("certificate file", options.certfile);
  const keyPath = options.keyfile ?? options.certfile;
  const key = options.keyfile ? readPem("key file", options.keyfile) : cert;
  if (!key.includes("PRIVATE KEY-----")) {
    throw new TLSLoadError(`no private key in ${keyPath}`, "ERR_TLS_NOT_PEM");
  }
  const ca = options.cafile ? readPem("CA file", options.cafile) : undefined;
  const pw = typeof options.password === "function" ? options.password() : options.password;
  const passphrase = pw === null || pw === undefined ? undefined : Buffer.isBuffer(pw) ? pw.toString("utf8") : pw;
  try {
    createSecureContext({ cert, key, passphrase, ca, minVersion: "TLSv1.2" });
    // OpenSSL only notices a mismatch between a key and a certificate of the
    // same type; an EC key with an RSA certificate would load and then fail
    // every handshake. Check the pair directly.
    const leaf = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(cert.toString("latin1"));
    if (leaf !== null && !new X509Certificate(leaf[0]).checkPrivateKey(createPrivateKey({ key, passphrase }))) {
      throw new Error("key values mismatch");
    }
    return { cert, key, ...(passphrase !== undefined ? { passphrase } : {}), ...(ca !== undefined ? { ca } : {}) };
  } catch (e) {
    const msg = String((e as Error).message);
    // A wrong password usually fails the decryption's padding check ("bad
    // decrypt"); about one time in 256 the padding passes and the garbage
    // fails to decode instead: for an encrypted key that too is the password.
    const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(key.toString("latin1"));
    if (/bad decrypt|bad password|interrupted or cancelled|maybe wrong password/i.test(msg) || (encrypted && /DECODER routines|unsupported|asn1/i.test(msg))) {
      throw new TLSLoadError(`cannot decrypt the private key in ${keyPath}: wrong or missing password`, "ERR_TLS_BAD_PASSWORD");
    }
    if (/key values mismatch|KEY_VALUES_MISMATCH/i.test(msg)) {
      throw new TLSLoadError(`the private key in ${keyPath} does not match the certificate in ${options.certfile}`, "ERR_TLS_KEY_MISMATCH");
    }
    throw new TLSLoadError(`cannot load ${options.certfile}${options.keyfile ? ` / ${options.keyfile}` : ""}: ${msg}`, "ERR_TLS_LOAD");
  }
}

/**
 * `HTTPServer` over TLS. Options are Python's keyword-only arguments:
 * `new HTTPSServer(addr, Handler, true, { certfile, keyfile, password, alpn_protocols })`.
 * Every handler behaviour is the same as over plain TCP; `this.request` is a
 * `tls.TLSSocket` (protocol, cipher, ALPN result, peer certificate).
 */
export class HTTPSServer extends HTTPServer {
  /** The certificate chain file. */
  certfile: string;
  /** The key file, or `null` when the key is in `certfile`. */
  keyfile: string | null;
  /** The key's password, if any. */
  password: KeyPassword | null;
  /** ALPN protocols offered in the handshake. */
  alpn_protocols: string[];
  /** Set when the certificate or key could not be loaded: `ready` rejects with it. */
  #loadError: TLSLoadError | null = null;

  constructor(
    server_address: ServerAddress,
    RequestHandlerClass: RequestHandlerClass,
    bind_and_activate = true,
    options: HTTPSServerOptions = { certfile: "" },
  ) {
    super(server_address, RequestHandlerClass, bind_and_activate);
    this.certfile = options.certfile;
    this.keyfile = options.keyfile ?? null;
    this.password = options.password ?? null;
    this.alpn_protocols = options.alpn_protocols ?? ["http/1.1"];
    let credentials: LoadedCredentials | undefined;
    try {
      credentials = loadCredentials(options);
    } catch (e) {
      this.#loadError = e instanceof TLSLoadError ? e : new TLSLoadError(String(e), "ERR_TLS_LOAD");
    }
    const verify = options.verify_client === true;
    const handshakeMs = (options.handshake_timeout ?? HANDSHAKE_TIMEOUT) * 1000;
    const tlsServer = createTlsServer(
      {
        ...credentials,
        minVersion: "TLSv1.2",
        secureOptions: TLS_SECURE_OPTIONS,
        ALPNProtocols: this.alpn_protocols,
        requestCert: verify,
        rejectUnauthorized: verify,
        handshakeTimeout: handshakeMs,
      },
      (request: TLSSocket) => {
        // As over TCP: a client's close_notify (or FIN) after its request
        // ends its input only; the responses still go out. Only from here:
        // during the handshake an end of input must fail it at once.
        request.allowHalfOpen = true;
        this._enqueue(request, true);
      },
    );
    // A socket reset during the handshake has forgotten its peer by the time
    // the error is reported: remember each peer when it connects.
    const peers = new WeakMap<object, string>();
    // max_connections counts a TLS connection from its TCP accept, so a flood
    // of handshakes is bounded too; past the limit it is closed (a 503 cannot
    // be sent before the handshake).
    tlsServer.prependListener("connection", (raw: Socket) => {
      if (!this._admit(raw)) {
        raw.on("error", () => {});
        writeLog(`${raw.remoteAddress ?? "?"} - - [${logDateTimeString()}] connection refused: max_connections reached\n`);
        raw.destroy();
      }
    });
    tlsServer.on("connection", (raw: Socket) => peers.set(raw, raw.remoteAddress ?? "?"));
    tlsServer.on("tlsClientError", (err: Error & { code?: string }, socket: TLSSocket) => {
      const parent = (socket as unknown as { _parent?: object })._parent;
      const who = socket.remoteAddress ?? (parent !== undefined ? peers.get(parent) : undefined) ?? "?";
      if (answerPlainHttp(err, socket)) {
        // Not TLS at all (plain HTTP on this port): answered 400 in clear text.
        writeLog(`${who} - - [${logDateTimeString()}] code 400, message plain HTTP sent to the HTTPS port (${escapeControl(err.code ?? "")})\n`);
        return;
      }
      writeLog(`${who} - - [${logDateTimeString()}] TLS handshake failed: ${escapeControl(err.code ?? err.message)}\n`);
      socket.destroy();
    });
    this.socket = tlsServer;
  }

  /** Binds and listens; rejects first with the loading error, if any. */
  override async server_bind(): Promise<void> {
    if (this.#loadError !== null) {
      // `ready` rejects with the loading problem, the way it does with a bind error.
      this._bindFailed(this.#loadError);
      throw this.#loadError;
    }
    if (this.proxy_protocol) {
      // The PROXY header comes before the handshake: a plain listener reads
      // it, then hands the connection (the rest put back) to the TLS server.
      const tlsServer = this.socket;
      this.socket = createNetServer({ pauseOnConnect: true }, (raw) =>
        this._accept(raw, (socket) => tlsServer.emit("connection", socket)),
      );
    }
    await super.server_bind();
  }
}

/** `HTTPSServer` that serves every connection concurrently, as `ThreadingHTTPServer` does. */
export class ThreadingHTTPSServer extends ThreadingMixIn(HTTPSServer) {}
ThreadingHTTPSServer.prototype.daemon_threads = true;
ThreadingHTTPSServer.prototype.request_queue_size = 1024;
