// docker-modem's HTTP module, which docker/client.ts reaches into to turn redirect following off.
declare module 'docker-modem/lib/http.js' {
  const http: { maxRedirects?: number };
  export default http;
}
