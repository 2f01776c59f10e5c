/*
 * bench/wrk-no-resume.c: make wrk do a full TLS handshake on every connection.
 *
 * wrk (4.1) gives each of its connections one SSL object for the whole run;
 * when a connection closes it calls SSL_shutdown() and SSL_clear(), and
 * SSL_clear() keeps the session, so the next SSL_connect() offers it for
 * resumption (a TLS 1.3 PSK from the server's ticket). Measured without this
 * shim, node:https resumed about half of wrk's handshakes and CPython's ssl
 * nearly all, which would compare different mixes of handshakes. Preloaded
 * into wrk (LD_PRELOAD) by bench/run.mjs for the tls-handshake scenario, this
 * wraps SSL_clear() to drop the session first, so each reconnect is a full
 * handshake: ECDHE plus the server's RSA-2048 signature.
 *
 * Built by the runner: cc -shared -fPIC -O2 -o bench/out/tls/wrk-no-resume.so
 * bench/wrk-no-resume.c -ldl. Needs no OpenSSL headers.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

typedef struct ssl_st SSL;
typedef struct ssl_session_st SSL_SESSION;

int SSL_set_session(SSL *s, SSL_SESSION *session);

int SSL_clear(SSL *s) {
  static int (*real_clear)(SSL *) = NULL;
  if (real_clear == NULL) real_clear = (int (*)(SSL *))dlsym(RTLD_NEXT, "SSL_clear");
  SSL_set_session(s, NULL);
  return real_clear(s);
}
