import type { Request, Response } from 'express';
import { ok } from '../../../../shared/http/envelope';
import type { CompanyUseCases } from '../../application/use-cases/company.use-cases';
import { toAgentDto, toCompanyDto } from '../mappers/dto.mapper';

/** HTTP translation for tenant administration. */
export class CompanyController {
  constructor(private readonly useCases: CompanyUseCases) {}

  createCompany = async (req: Request, res: Response) => {
    res.status(201).json(ok(toCompanyDto(await this.useCases.createCompany(req.valid.body)), 'Company created'));
  };

  createAgent = async (req: Request, res: Response) => {
    res.status(201).json(ok(toAgentDto(await this.useCases.createAgent(req.valid.params.id, req.valid.body)), 'Agent created'));
  };
}
