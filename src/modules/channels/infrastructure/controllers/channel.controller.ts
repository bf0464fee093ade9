import type { Request, Response } from 'express';
import { currentUser } from '../../../../shared/auth/auth.middleware';
import { ok, paginated } from '../../../../shared/http/envelope';
import type { ChannelAuthUseCases } from '../../application/use-cases/channel-auth.use-cases';
import type { ChannelMetricsUseCase } from '../../application/use-cases/channel-metrics.use-case';
import type { ChannelUseCases } from '../../application/use-cases/channel.use-cases';
import { toChannelDto, toChannelKpisDto } from '../mappers/dto.mapper';

/** HTTP translation for channel endpoints. */
export class ChannelController {
  constructor(
    private readonly useCases: ChannelUseCases,
    private readonly auth: ChannelAuthUseCases,
    private readonly kpis: ChannelMetricsUseCase,
  ) {}

  /** GET /:id/metrics: the channel's KPIs over `from`..`to` (default: the last 7 days). */
  metrics = async (req: Request, res: Response) => {
    const kpis = await this.kpis.of(currentUser(req), req.valid.params.id, { from: req.valid.query.from, to: req.valid.query.to });
    res.json(ok(toChannelKpisDto(kpis)));
  };

  create = async (req: Request, res: Response) => {
    const { authSession, ...channel } = await this.useCases.create(currentUser(req), req.valid.body);
    res.status(201).json(ok({ ...toChannelDto(channel), ...(authSession ? { authSession } : {}) }, 'Channel created'));
  };

  list = async (req: Request, res: Response) => {
    const q = req.valid.query;
    const { items, total } = await this.useCases.list(currentUser(req), q);
    res.json(paginated(items.map(toChannelDto), total, q.page, q.limit));
  };

  get = async (req: Request, res: Response) => {
    const { channel, runtime } = await this.useCases.getWithStatus(currentUser(req), req.valid.params.id);
    res.json(ok({ ...toChannelDto(channel), runtime_status: runtime.state, runtime_error: runtime.lastError ?? null, owner_instance: runtime.ownerInstance }));
  };

  update = async (req: Request, res: Response) => {
    const channel = await this.useCases.update(currentUser(req), req.valid.params.id, req.valid.body);
    res.json(ok(toChannelDto(channel), 'Channel updated'));
  };

  remove = async (req: Request, res: Response) => {
    await this.useCases.remove(currentUser(req), req.valid.params.id);
    res.json(ok(null, 'Channel deleted'));
  };

  activate = async (req: Request, res: Response) => {
    res.json(ok(toChannelDto(await this.useCases.activate(currentUser(req), req.valid.params.id)), 'Channel activated'));
  };

  deactivate = async (req: Request, res: Response) => {
    res.json(ok(toChannelDto(await this.useCases.deactivate(currentUser(req), req.valid.params.id)), 'Channel deactivated'));
  };

  /** GET /qr: the saved session restored, or the first QR to scan. */
  qr = async (req: Request, res: Response) => {
    res.json(ok(await this.auth.qr(currentUser(req), req.valid.params.id)));
  };

  /** POST /auth: completes the QR login once scanned. */
  completeAuth = async (req: Request, res: Response) => {
    const channel = await this.auth.complete(currentUser(req), req.valid.params.id, req.valid.body.sessionId, req.valid.body.metadata);
    res.json(ok(toChannelDto(channel), 'Channel authenticated'));
  };

  /** GET /qr-image/:sessionId (signed URL, no Bearer): the QR as SVG. */
  qrImage = async (req: Request, res: Response) => {
    const { id, sessionId } = req.valid.params;
    const svg = await this.auth.qrImage(id, sessionId, req.query.exp, req.query.sig);
    res.set('Cache-Control', 'no-store').type('image/svg+xml').send(svg);
  };
}
