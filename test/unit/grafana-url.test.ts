import { describe, expect, it } from '@jest/globals';
import { grafanaUrlError } from '../../devstack/grafana/go-url.js';

/** Data source URL validation follows Go's net/url (with Grafana's http:// prefixing), not WHATWG URL. */
describe('grafana emulator: data source URL validation', () => {
  it.each([
    'http://127.0.0.1:9090',
    'https://prom.example.com/prefix/?x=1#frag',
    '127.0.0.1:9090', // prefixed with http:// before parsing
    'localhost',
    'http://user:p%40ss@host:9090',
    'http://[::1]:9090',
    'http://host:', // empty port is allowed by Go
    'http://héllo.example', // non-ASCII host bytes pass
    'custom+scheme://host/x', // any scheme is fine
    'http://host/a b', // spaces in the path are fine for Go
  ])('accepts %j', (url) => {
    expect(grafanaUrlError(url)).toBeNull();
  });

  it.each([
    ['not a url', /invalid character " " in host name/],
    ['http://host:port', /invalid port/],
    ['http://[::1', /missing '\]'/],
    ['http://exa mple.com', /invalid character/],
    ['http://host/%zz', /invalid URL escape/],
    ['http://host\n', /control character/],
    ['ht tp://host', /first path segment in URL cannot contain colon/],
    ['://host', /missing protocol scheme/],
    ['http://a{b}', /invalid character "\{" in host name/],
    ['mailto:someone', /invalid port/], // no "://", so it becomes http://mailto:someone
  ])('rejects %j', (url, why) => {
    expect(grafanaUrlError(url)).toMatch(why);
  });
});
