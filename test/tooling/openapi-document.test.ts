import { HTTP_METHODS, loadOpenApiDocument } from '@drehscheibe/contracts';

interface Operation {
  operationId?: string;
  description?: string;
  requestBody?: { $ref?: string; content?: Record<string, { example?: unknown; examples?: Record<string, unknown> }> };
}

/** Every operation of the contract with its path and method. */
function operations(): Array<{ key: string; op: Operation }> {
  const document = loadOpenApiDocument();
  return Object.entries(document.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => item[m]).map((method) => ({ key: `${method.toUpperCase()} ${path}`, op: item[method] as Operation })),
  );
}

describe('the OpenAPI document, as administrators read it in Swagger UI', () => {
  it('describes every operation beyond its summary', () => {
    const undescribed = operations()
      .filter(({ op }) => !op.description?.trim())
      .map(({ key }) => key);
    expect(undescribed).toEqual([]);
  });

  it('has an example for every JSON request body', () => {
    const without = operations()
      .filter(({ op }) => {
        const json = op.requestBody?.content?.['application/json'];
        return json !== undefined && json.example === undefined && json.examples === undefined;
      })
      .map(({ key }) => key);
    expect(without).toEqual([]);
  });
});
