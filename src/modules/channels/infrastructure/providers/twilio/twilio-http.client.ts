import RequestClient from 'twilio/lib/base/RequestClient';

/**
 * The twilio package's HTTP client with every `https://<product>.twilio.com` origin rewritten to
 * one base URL (TWILIO_API_BASE_URL): the package has no base-URL option, and tests point it at a
 * local fake through this hook.
 */
export class RedirectingTwilioHttpClient extends RequestClient {
  private readonly base: string;

  constructor(baseUrl: string, opts?: RequestClient.RequestClientOptions) {
    super(opts);
    this.base = baseUrl.replace(/\/+$/, '');
  }

  request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const uri = opts.uri.replace(/^https:\/\/[a-z0-9.-]*twilio\.com(:\d+)?/i, this.base);
    return super.request({ ...opts, uri });
  }
}
