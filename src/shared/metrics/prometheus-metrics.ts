import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ServiceMetrics } from '../../modules/channels/application/ports/service-metrics.port';

/** Live figures read at scrape time (sockets, queue depth, running channels). */
export interface MetricSources {
  sockets(): Record<string, { connectedSockets: number; eventsIn: number; eventsOut: number }>;
  queueDepth(): Promise<number>;
  activeChannels(): number;
}

/**
 * The service's Prometheus metrics on a registry of its own (one per container, so several apps in
 * one process never share counters). Every series carries `instance_id`.
 */
export class PrometheusMetrics implements ServiceMetrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route'>;
  private readonly inbound: Counter<'provider' | 'result'>;
  private readonly messages: Counter<'channel_id' | 'direction' | 'status'>;
  private readonly providerErrors: Counter<'provider' | 'code'>;

  constructor(instanceId: string, sources: MetricSources) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ instance_id: instanceId });
    collectDefaultMetrics({ register: this.registry, prefix: 'axi_' });
    this.httpRequests = new Counter({ name: 'axi_http_requests_total', help: 'HTTP requests by method, route template and status', labelNames: ['method', 'route', 'status'], registers });
    this.httpDuration = new Histogram({ name: 'axi_http_request_duration_seconds', help: 'HTTP request latency by method and route template', labelNames: ['method', 'route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5], registers });
    this.inbound = new Counter({ name: 'axi_webhook_events_total', help: 'Inbound provider events by provider and result', labelNames: ['provider', 'result'], registers });
    this.messages = new Counter({ name: 'axi_messages_total', help: 'Messages stored or moved to a status, by channel, direction and status', labelNames: ['channel_id', 'direction', 'status'], registers });
    this.providerErrors = new Counter({ name: 'axi_provider_errors_total', help: 'Failed provider calls by provider and error code', labelNames: ['provider', 'code'], registers });
    new Gauge({
      name: 'axi_socket_connections', help: 'Connected Socket.IO sockets on this instance by namespace', labelNames: ['namespace'], registers,
      collect() {
        for (const [ns, s] of Object.entries(sources.sockets())) this.set({ namespace: ns }, s.connectedSockets);
      },
    });
    new Gauge({
      name: 'axi_socket_events', help: 'Socket.IO events received (in) and sent (out) on this instance since start, by namespace', labelNames: ['namespace', 'way'], registers,
      collect() {
        for (const [ns, s] of Object.entries(sources.sockets())) {
          this.set({ namespace: ns, way: 'in' }, s.eventsIn);
          this.set({ namespace: ns, way: 'out' }, s.eventsOut);
        }
      },
    });
    new Gauge({
      name: 'axi_outbound_queue_depth', help: 'Outgoing messages still PENDING (queued or being sent), all instances', registers,
      async collect() {
        this.set(await sources.queueDepth());
      },
    });
    new Gauge({
      name: 'axi_active_channels', help: 'Channels whose provider runs on this instance', registers,
      collect() {
        this.set(sources.activeChannels());
      },
    });
  }

  /** Counts and times every request by its route template (never the raw path: ids would explode the series). */
  httpMiddleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.httpDuration.startTimer();
      // The template is read when Express matches the route: by 'finish' an error has already left the
      // router, which restores req.baseUrl (the mount prefix would be missing from the label).
      let matched: { path?: string } | undefined;
      let template = 'unmatched';
      Object.defineProperty(req, 'route', {
        configurable: true,
        enumerable: true,
        get: () => matched,
        set: (route: { path?: string } | undefined) => {
          matched = route;
          // The mount prefix as the router declares it: Express matches any letter case, and each would be a new series.
          if (typeof route?.path === 'string') template = `${req.baseUrl.toLowerCase()}${route.path}`;
        },
      });
      res.on('finish', () => {
        const route = template;
        end({ method: req.method, route });
        this.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    };
  }

  webhookEvents(provider: string, result: 'stored' | 'duplicate' | 'status_applied' | 'status_ignored', count: number): void {
    if (count > 0) this.inbound.inc({ provider, result }, count);
  }

  message(channelId: string, direction: 'incoming' | 'outgoing', status: string): void {
    this.messages.inc({ channel_id: channelId, direction, status });
  }

  providerError(provider: string, code: string): void {
    this.providerErrors.inc({ provider, code });
  }
}
