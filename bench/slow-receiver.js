// A slow webhook receiver for bench/webhooks.js, run as its own process (fork) so that it never shares the
// server's or the load generator's event loop: every POST is answered 200 after DELAY_MS (default 2,000).
// Tells its parent { port } once listening; answers { type: 'stats' } with the requests received,
// answered and open right now, and ∫ open dt.
import http from 'node:http';

const delayMs = Number(process.env.DELAY_MS ?? 2000);
let received = 0;
let answered = 0;
let open = 0;
let maxOpen = 0;
// ∫ open dt (request·ms): its change over a window ÷ the window's length is the mean number in flight.
let openMs = 0;
let since = performance.now();
const tally = () => {
  const now = performance.now();
  openMs += open * (now - since);
  since = now;
};

const server = http.createServer((req, res) => {
  tally();
  received++;
  open++;
  maxOpen = Math.max(maxOpen, open);
  req.resume();
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    tally();
    open--;
    answered++;
  }, delayMs);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send({ type: 'listening', port: server.address().port }));

process.on('message', (m) => {
  if (m?.type === 'stats') {
    tally();
    process.send({ type: 'stats', received, answered, open, maxOpen, openMs, at: since });
  }
  if (m?.type === 'reset-max') maxOpen = open;
});
process.on('disconnect', () => process.exit(0));
