// Wire types for GET /v1/web: where the web dashboard is, for `ds01 web`.

export interface WebInfo {
  /** The web dashboard's Unix socket on this server; null when ds01d serves no web page. */
  socket: string | null;
  /** This server's host name, as ds01d sees it. */
  host: string;
}
