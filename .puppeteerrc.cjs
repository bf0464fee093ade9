// whatsapp-web.js uses the machine's Chromium (CHROMIUM_PATH): puppeteer's own browser download is
// never needed, and on a closed network it fails the whole `npm install` (npm 10 runs its postinstall).
module.exports = { skipDownload: true };
