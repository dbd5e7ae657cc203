// A real Vault client through Panguard: node-vault (pinned in package.json next to this file)
// talks to the proxy at PANGUARD_VAULT_ADDR. Tenant acme reads its own secret (200 expected) and
// tries globex's (403 expected). The session JWT rides in the proxy's session header, set with
// node-vault's documented `requestOptions`. Prints one JSON line; exits 0 only when both answers
// are the expected ones. Run by node_vault_test.cpp, which installs node-vault with `npm ci`.
'use strict';

const vault = require('node-vault')({
  apiVersion: 'v1',
  endpoint: process.env.PANGUARD_VAULT_ADDR,
  token: 'stand-in-vault-token',
  requestOptions: {headers: {'X-Panguard-Session': process.env.PANGUARD_SESSION}},
});

// The HTTP status and body of a read: node-vault rejects on anything but 200/204.
async function read(path) {
  try {
    return {status: 200, body: await vault.read(path)};
  } catch (error) {
    if (error.response && error.response.statusCode) {
      return {status: error.response.statusCode, body: error.response.body};
    }
    throw error;
  }
}

(async () => {
  const own = await read('secret/data/tenants/acme/db');
  const foreign = await read('secret/data/tenants/globex/db');
  console.log(JSON.stringify({own, foreign}));
  const ownOk = own.status === 200 && own.body.data.data.password === 'stand-in-secret';
  const foreignOk = foreign.status === 403 && !JSON.stringify(foreign.body).includes('stand-in-secret');
  process.exit(ownOk && foreignOk ? 0 : 1);
})().catch((error) => {
  console.error('node-vault client failed: ' + error.message);
  process.exit(2);
});
