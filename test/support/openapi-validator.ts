import fs from 'node:fs';
import path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
// OpenAPI 3.1 schemas are JSON Schema 2020-12, so the 2020 build of ajv validates them as written.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

export const OPENAPI_FILE = path.resolve(__dirname, '..', '..', 'openapi.yaml');
const DOC_ID = 'openapi';
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** A response as supertest gives it (only what the validator reads). */
export interface HttpResponse {
  status: number;
  body: unknown;
  text?: string;
  headers: Record<string, string | string[] | undefined>;
  req?: { method?: string; path?: string };
}

/** One checked (method, path template, status), for coverage reports. */
export interface CheckedResponse {
  method: string;
  path: string;
  status: number;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Validates real responses against the responses of openapi.yaml. */
export class OpenApiValidator {
  readonly doc: any;
  readonly checked: CheckedResponse[] = [];
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly templates: { template: string; regex: RegExp; literalSegments: number }[];

  constructor(doc?: any) {
    this.doc = doc ?? YAML.parse(fs.readFileSync(OPENAPI_FILE, 'utf8'));
    // strict: false because the document carries OpenAPI-only keywords (example, ...) that are
    // not JSON Schema; everything JSON Schema says (types, required, additionalProperties) holds.
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    // The whole document is one schema resource, so `#/components/...` refs resolve inside it.
    this.ajv.addSchema({ ...this.doc, $id: DOC_ID });
    this.templates = Object.keys(this.doc.paths ?? {}).map((template) => {
      const segments = template.split('/').filter(Boolean);
      const regex = new RegExp(
        '^/' + segments.map((s) => (/^\{[^}]+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/') + '/?$',
      );
      return { template, regex, literalSegments: segments.filter((s) => !s.startsWith('{')).length };
    });
  }

  /** Every (METHOD, path template) pair of the document. */
  operations(): { method: string; path: string; operation: any }[] {
    const out: { method: string; path: string; operation: any }[] = [];
    for (const [p, item] of Object.entries<any>(this.doc.paths ?? {})) {
      for (const m of HTTP_METHODS) if (item[m]) out.push({ method: m.toUpperCase(), path: p, operation: item[m] });
    }
    return out;
  }

  /** The path template serving a concrete URL path; concrete segments win over parameters, as in OpenAPI. */
  templateFor(urlPath: string): string | undefined {
    const clean = urlPath.split('?')[0];
    const matches = this.templates.filter((t) => t.regex.test(clean)).sort((a, b) => b.literalSegments - a.literalSegments);
    return matches[0]?.template;
  }

  /** Follows a `#/...` reference inside the document. */
  resolve(node: any): { node: any; pointer?: string } {
    let pointer: string | undefined;
    while (node && typeof node.$ref === 'string') {
      pointer = node.$ref.replace(/^#/, '');
      node = pointer!.split('/').slice(1).reduce((o: any, k: string) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], this.doc);
      if (node === undefined) throw new Error(`Unresolvable $ref ${pointer}`);
    }
    return { node, pointer };
  }

  private validatorAt(pointer: string): ValidateFunction {
    let fn = this.compiled.get(pointer);
    if (!fn) {
      fn = this.ajv.compile({ $ref: `${DOC_ID}#${pointer}` });
      this.compiled.set(pointer, fn);
    }
    return fn;
  }

  /** Validates `value` against a named component schema; returns the problems (empty when valid). */
  validateSchema(name: string, value: unknown): string[] {
    const fn = this.validatorAt(`/components/schemas/${escapePointer(name)}`);
    return fn(value) ? [] : formatErrors(fn.errors);
  }

  /**
   * Checks one response: the operation (method + path template) exists, documents this status and
   * content type, and the body validates against that response's schema. Returns the problems.
   */
  check(res: HttpResponse, method?: string, template?: string): string[] {
    const m = (method ?? res.req?.method ?? '').toLowerCase();
    const urlPath = res.req?.path ?? '';
    const t = template ?? this.templateFor(urlPath);
    if (!t) return [`no path in the spec matches ${urlPath}`];
    const where = `${m.toUpperCase()} ${t} -> ${res.status}`;
    const op = this.doc.paths[t]?.[m];
    if (!op) return [`${where}: the spec has no ${m.toUpperCase()} operation on ${t}`];
    const responses = op.responses ?? {};
    const statusKey = [String(res.status), `${String(res.status)[0]}XX`, 'default'].find((k) => responses[k]);
    if (!statusKey) return [`${where}: status ${res.status} is not documented (documented: ${Object.keys(responses).join(', ')})`];
    this.checked.push({ method: m.toUpperCase(), path: t, status: res.status });

    let pointer = `/paths/${escapePointer(t)}/${m}/responses/${statusKey}`;
    const resolved = this.resolve(responses[statusKey]);
    if (resolved.pointer) pointer = resolved.pointer;
    const response = resolved.node;
    const content = response.content as Record<string, any> | undefined;
    const rawType = res.headers['content-type'];
    const contentType = (Array.isArray(rawType) ? rawType[0] : rawType ?? '').split(';')[0].trim().toLowerCase();
    if (!content) {
      return contentType && contentType !== 'text/html' && res.status !== 204 && !(res.status >= 300 && res.status < 400)
        ? [`${where}: the spec documents no body but got ${contentType}`]
        : [];
    }
    // Exact media types first, then OpenAPI's ranges (`image/*`, `*/*`).
    const keys = Object.keys(content);
    const mediaKey = keys.find((k) => k.toLowerCase() === contentType) ?? keys.find((k) => k.endsWith('/*') && (k === '*/*' || contentType.startsWith(k.slice(0, -1).toLowerCase())));
    if (!mediaKey) return [`${where}: content type ${contentType || '(none)'} is not documented (documented: ${Object.keys(content).join(', ')})`];
    const media = content[mediaKey];
    if (!media.schema) return [];
    // supertest buffers media types it does not parse (image/svg+xml) into res.body, leaving res.text unset.
    const body = mediaKey === 'application/json' ? res.body : res.text ?? (Buffer.isBuffer(res.body) ? res.body.toString('utf8') : res.body);
    const fn = this.validatorAt(`${pointer}/content/${escapePointer(mediaKey)}/schema`);
    const problems = fn(body) ? [] : formatErrors(fn.errors).map((e) => `${where}: ${e}`);
    // Error bodies name the request: their requestId is the X-Request-Id header.
    const requestId = (body as { requestId?: unknown } | null)?.requestId;
    if (requestId !== undefined && requestId !== res.headers['x-request-id']) problems.push(`${where}: requestId ${String(requestId)} is not the X-Request-Id header`);
    return problems;
  }

  /** Throws (with the body) unless the response conforms; returns it for chaining. */
  assert<T extends HttpResponse>(res: T, method?: string, template?: string): T {
    const problems = this.check(res, method, template);
    if (problems.length) {
      throw new Error(`Response does not conform to openapi.yaml:\n  ${problems.join('\n  ')}\nbody: ${JSON.stringify(res.body ?? res.text)?.slice(0, 2000)}`);
    }
    return res;
  }
}

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'` : '';
    return `${e.instancePath || '(root)'} ${e.message}${extra} [${e.schemaPath}]`;
  });
}
