/**
 * Client-certificate enforcement for `ssls.client` (mTLS): a connection served by a
 * certificate with a client CA must present a certificate that CA signed, unless the request
 * path matches `client.skip_mtls_uri_regex`. Refusals are nginx's 400 pages for its internal
 * 496 (no certificate) and 495 (certificate error) statuses, as APISIX answers them.
 */
import type { ServerCert } from './server-cert.js';

function page(reason: string): Buffer {
  return Buffer.from(
    `<html>\r\n<head><title>400 ${reason}</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n` +
      `<center>${reason}</center>\r\n<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n`,
  );
}

export const NO_CLIENT_CERT_PAGE = page('No required SSL certificate was sent');
export const CLIENT_CERT_ERROR_PAGE = page('The SSL certificate error');

/**
 * The 400 body to answer with, or undefined when the request may proceed. `authorized` is
 * the TLS layer's verdict on the peer certificate against the certificate's client CA;
 * `presented` tells a missing certificate from a rejected one.
 */
export function clientCertRefusal(
  cert: ServerCert | undefined,
  authorized: boolean,
  url: string,
  presented = authorized,
): Buffer | undefined {
  if (!cert?.client || authorized) return undefined;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (cert.client.skipMtlsUri.some((r) => r.test(path))) return undefined;
  return presented ? CLIENT_CERT_ERROR_PAGE : NO_CLIENT_CERT_PAGE;
}
