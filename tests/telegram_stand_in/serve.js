// Starts the npm package telegram-test-api (4.2.1) on 127.0.0.1:<port> for the end-to-end tests.
// Usage: node --unhandled-rejections=warn serve.js <port>
// The package ships no bin/, so this is its entry point.  It prints "ready <port>" when it listens.
'use strict';
const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2] || 9000);
const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 60 });
server.start().then(() => {
  process.stdout.write(`ready ${port}\n`);
});
const stop = () => server.stop().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
