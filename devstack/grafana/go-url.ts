/**
 * Grafana validates data source URLs with Go's net/url parser, which differs
 * from WHATWG `URL`: this reproduces the rules that make Go reject a URL
 * (written from the Go language's documented behaviour, not copied code).
 * Returns an error text, or null when Go would accept the URL.
 */
export function goUrlParseError(raw: string): string | null {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) return 'net/url: invalid control character in URL';
  const hash = raw.indexOf('#');
  const beforeFragment = hash >= 0 ? raw.slice(0, hash) : raw;
  if (hash >= 0 && badEscape(raw.slice(hash + 1))) return 'invalid URL escape';
  if (beforeFragment === '*') return null;

  const scheme = getScheme(beforeFragment);
  if ('error' in scheme) return scheme.error;
  let rest = scheme.rest;
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);

  if (!rest.startsWith('/')) {
    if (scheme.scheme !== '') return null; // opaque URL such as "mailto:x": not validated further
    const firstSegment = rest.split('/', 1)[0] ?? '';
    if (firstSegment.includes(':')) return 'first path segment in URL cannot contain colon';
  }
  if ((scheme.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    const slash = authority.indexOf('/');
    rest = slash >= 0 ? authority.slice(slash) : '';
    if (slash >= 0) authority = authority.slice(0, slash);
    const err = authorityError(authority);
    if (err) return err;
  }
  return badEscape(rest) ? 'invalid URL escape' : null;
}

/** Grafana prepends http:// to URLs without a "<anything but colon>://" prefix before parsing. */
export function grafanaUrlError(raw: string): string | null {
  return goUrlParseError(/^[^:]*:\/\//.test(raw) ? raw : `http://${raw}`);
}

function getScheme(raw: string): { scheme: string; rest: string } | { error: string } {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] ?? '';
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+.-]/.test(c)) {
      if (i === 0) return { scheme: '', rest: raw };
      continue;
    }
    if (c === ':') {
      if (i === 0) return { error: 'missing protocol scheme' };
      return { scheme: raw.slice(0, i).toLowerCase(), rest: raw.slice(i + 1) };
    }
    return { scheme: '', rest: raw };
  }
  return { scheme: '', rest: raw };
}

function authorityError(authority: string): string | null {
  const at = authority.lastIndexOf('@');
  const host = at >= 0 ? authority.slice(at + 1) : authority;
  const hostErr = hostError(host);
  if (hostErr) return hostErr;
  if (at < 0) return null;
  const userinfo = authority.slice(0, at);
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) return 'net/url: invalid userinfo';
  return badEscape(userinfo) ? 'invalid URL escape' : null;
}

function hostError(host: string): string | null {
  let name = host;
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) return "missing ']' in host";
    if (!validOptionalPort(host.slice(close + 1))) return 'invalid port after host';
    name = host.slice(1, close);
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0) {
      if (!validOptionalPort(host.slice(colon))) return 'invalid port after host';
      name = host.slice(0, colon);
    }
  }
  if (badEscape(name)) return 'invalid URL escape';
  // Outside %-escapes, Go allows only these ASCII characters in a host (plus any non-ASCII).
  for (const ch of name.replace(/%[0-9A-Fa-f]{2}/g, '')) {
    if (ch.charCodeAt(0) < 0x80 && !/[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"]/.test(ch)) {
      return `invalid character ${JSON.stringify(ch)} in host name`;
    }
  }
  return null;
}

const validOptionalPort = (port: string): boolean => port === '' || /^:[0-9]*$/.test(port);

const badEscape = (s: string): boolean => /%(?![0-9A-Fa-f]{2})/.test(s);
