// A slow webhook receiver for bench/webhooks.js, run as its own process (fork) so that it never shares the
// server's or the load generator's event loop: every POST is answered 200 after DELAY_MS (default 2,000).
// Tells its parent { port } once listening; answers { type: 'stats' } with the requests received,
// answered and open right now.
import http from 'node:http';

const delayMs = Number(process.env.DELAY_MS ?? 2000);
let received = 0;
let answered = 0;
let open = 0;
let maxOpen = 0;

const server = http.createServer((req, res) => {
  received++;
  open++;
  maxOpen = Math.max(maxOpen, open);
  req.resume();
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    open--;
    answered++;
  }, delayMs);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send({ type: 'listening', port: server.address().port }));

process.on('message', (m) => {
  if (m?.type === 'stats') process.send({ type: 'stats', received, answered, open, maxOpen });
  if (m?.type === 'reset-max') maxOpen = open;
});
process.on('disconnect', () => process.exit(0));
