import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for WhatsApp Web (unreachable from our machines): a single-page app with a few
 * MB of JavaScript, a chat list and an open chat in the DOM, IndexedDB holding messages, a Web
 * Worker and a WebSocket-free polling loop. Heavy enough that the flags under test matter; lighter
 * than the real page, which loads far more code and keeps whole chat histories in memory.
 */
function appScript(chats: number, messagesPerChat: number): string {
  // Many distinct functions: parsed and compiled code is a large part of a real bundle's memory.
  const modules = Array.from({ length: 3000 }, (_, i) =>
    `function m${i}(x){const o={id:${i},name:'module-${i}',list:[]};for(let k=0;k<(x%7)+3;k++)o.list.push({k,v:'v'+k+'-'+${i}});return o;}`,
  ).join('\n');
  return `${modules}
const mods = [${Array.from({ length: 3000 }, (_, i) => `m${i}`).join(',')}];
const store = [];
for (let i = 0; i < mods.length; i++) store.push(mods[i](i));
const chats = [];
for (let c = 0; c < ${chats}; c++) {
  const msgs = [];
  for (let m = 0; m < ${messagesPerChat}; m++) msgs.push({ id: 'c' + c + 'm' + m, body: 'message ' + m + ' of chat ' + c + ' '.repeat(m % 40), ts: Date.now() - m * 1000, ack: m % 4 });
  chats.push({ id: c + '@c.us', name: 'Contact ' + c, msgs });
}
const list = document.getElementById('chats');
for (const chat of chats) {
  const li = document.createElement('li');
  li.innerHTML = '<img width="40" height="40" alt=""><b>' + chat.name + '</b><span>' + chat.msgs[0].body + '</span><time>12:00</time>';
  list.appendChild(li);
}
const pane = document.getElementById('messages');
for (const msg of chats[0].msgs) {
  const div = document.createElement('div');
  div.className = 'msg';
  div.textContent = msg.body;
  pane.appendChild(div);
}
const worker = new Worker(URL.createObjectURL(new Blob(['onmessage = (e) => postMessage(e.data.length)'])));
worker.postMessage(JSON.stringify(chats.slice(0, 50)));
const open = indexedDB.open('model-storage', 1);
open.onupgradeneeded = () => open.result.createObjectStore('message', { keyPath: 'id' });
open.onsuccess = () => {
  const tx = open.result.transaction('message', 'readwrite');
  for (const chat of chats) for (const msg of chat.msgs) tx.objectStore('message').put(msg);
  tx.oncomplete = () => { document.title = 'ready'; };
};
setInterval(() => { store.push(m1(store.length)); if (store.length > 5000) store.splice(0, 1000); }, 200);
`;
}

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>loading</title>
<style>body{display:flex;font:14px sans-serif}#chats{width:30%;list-style:none}#messages{flex:1}.msg{padding:4px;margin:2px;border-radius:6px;background:#dcf8c6}</style>
</head><body><ul id="chats"></ul><section id="messages"></section><script src="/app.js"></script></body></html>`;

/** Serves the page on 127.0.0.1 (port 0); `url` is its address. */
export async function serveWhatsappLikePage(chats = 300, messagesPerChat = 200): Promise<{ url: string; close(): Promise<void> }> {
  const script = appScript(chats, messagesPerChat);
  const server = http.createServer((req, res) => {
    const isScript = req.url === '/app.js';
    res.writeHead(200, { 'content-type': isScript ? 'text/javascript' : 'text/html' });
    res.end(isScript ? script : PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
