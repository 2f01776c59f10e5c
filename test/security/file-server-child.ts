/**
 * A file server in a child process, for the tests that need a process of its
 * own: a low open-file limit (`ulimit -n`, EMFILE) or another user (chmod 000
 * denies nobody but root). Prints its port on stdout, serves until stdin ends.
 *
 * Usage: node file-server-child.js <directory> [max_connections]
 * Without arguments it does nothing: `node --test build/test/` runs every
 * file under test/, this one included.
 */

import type { Socket } from "node:net";
import type { ClientAddress, HandlerServer } from "../../src/handler/base-handler.js";
import { ThreadingHTTPServer } from "../../src/server/http-server.js";
import { _fileCacheConfig } from "../../src/static/file-cache.js";
import { SimpleHTTPRequestHandler } from "../../src/static/simple-handler.js";

const directory = process.argv[2];
const max = process.argv[3];

if (directory !== undefined) await main(directory);

async function main(directory: string): Promise<void> {
  // Every request goes to the file system (what these tests are about): a file
  // older than racyMs would otherwise be served from memory, with no
  // descriptor to run out of, and a slow machine makes every file that old.
  _fileCacheConfig.racyMs = Infinity;
  class Handler extends SimpleHTTPRequestHandler {
    override protocol_version = "HTTP/1.1";
    override keep_alive_timeout = 60;
    constructor(request: Socket, client_address: ClientAddress, server: HandlerServer) {
      super(request, client_address, server, { directory });
    }
  }
  class Server extends ThreadingHTTPServer {
    override max_connections = max === undefined ? null : Number(max);
  }

  const server = new Server(["127.0.0.1", 0], Handler);
  await server.ready;
  process.stdout.write(`${server.server_port}\n`);
  const served = server.serve_forever(0.05);
  process.stdin.resume();
  process.stdin.on("end", () => {
    void server.shutdown().then(async () => {
      await served;
      await server.server_close();
      process.exit(0);
    });
  });
}
