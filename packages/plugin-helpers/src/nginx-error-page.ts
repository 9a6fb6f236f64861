/**
 * nginx's built-in error pages (src/http/ngx_http_special_response.c) as OpenResty sends
 * them with `server_tokens off` (APISIX's nginx.conf): the tail names "openresty".
 * APISIX answers with these whenever a request ends with status >= 300 and no body
 * (`core.response.exit(502)`, upstream connect failure, ...).
 */
const PAGE_TITLES: Readonly<Record<number, string>> = {
  301: '301 Moved Permanently',
  302: '302 Found',
  303: '303 See Other',
  307: '307 Temporary Redirect',
  308: '308 Permanent Redirect',
  400: '400 Bad Request',
  401: '401 Authorization Required',
  402: '402 Payment Required',
  403: '403 Forbidden',
  404: '404 Not Found',
  405: '405 Not Allowed',
  406: '406 Not Acceptable',
  408: '408 Request Time-out',
  409: '409 Conflict',
  410: '410 Gone',
  411: '411 Length Required',
  412: '412 Precondition Failed',
  413: '413 Request Entity Too Large',
  414: '414 Request-URI Too Large',
  415: '415 Unsupported Media Type',
  416: '416 Requested Range Not Satisfiable',
  421: '421 Misdirected Request',
  429: '429 Too Many Requests',
  500: '500 Internal Server Error',
  501: '501 Not Implemented',
  502: '502 Bad Gateway',
  503: '503 Service Temporarily Unavailable',
  504: '504 Gateway Time-out',
  505: '505 HTTP Version Not Supported',
  507: '507 Insufficient Storage',
};

const TAIL = '<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n';
const pages = new Map<number, Buffer>();
for (const [code, title] of Object.entries(PAGE_TITLES)) {
  pages.set(
    Number(code),
    Buffer.from(`<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n${TAIL}`),
  );
}

/** nginx's default HTML body for a status, or undefined when nginx sends none (2xx, 418, ...). */
export function nginxErrorPage(status: number): Buffer | undefined {
  return pages.get(status);
}
