import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): receivers verify our
 * requests with any of the specification's libraries. The secret is "whsec_" followed by
 * the base64 key; the signed content is "<webhook-id>.<webhook-timestamp>.<body>", and the
 * signature header is "v1,<base64 HMAC-SHA256>".
 */

export interface WebhookSigner {
  /** The three headers for one request; `timestampSeconds` is when it is sent. */
  headers(id: string, timestampSeconds: number, body: string): Record<string, string>;
}

export function createWebhookSigner(secret: string): WebhookSigner {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  return {
    headers(id, timestampSeconds, body) {
      const timestamp = String(Math.floor(timestampSeconds));
      const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
      return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
    },
  };
}
